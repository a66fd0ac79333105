/**
 * What the approval queue (L13) is told about the turn that asks: its audit fields, its caller (shown on every
 * approval surface) and whether that caller is the owner. Only an owner's turn may run under a grant or a cached approval; a webhook, a non-owner channel user, token
 * or certificate, and internal components without the owner flag are strangers, asked every time.
 */
import { auditContext, type CallContext } from '../../core/index.js';
import type { ApprovalContext } from '../../policy/index.js';

export function approvalContext(ctx: CallContext): ApprovalContext {
  const c = ctx.caller;
  return {
    ...auditContext(ctx),
    owner: c.owner === true,
    caller: { kind: c.kind, id: c.id, owner: c.owner === true, ...(c.label !== undefined ? { label: c.label } : {}) },
  };
}
