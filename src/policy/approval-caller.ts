/**
 * Who asked for an approval, as one line every surface shows (API `askedBy`, web UI, chat message, CLI): the
 * caller's kind and id, its label, and whether it is the owner. A view without a caller (recorded before callers
 * were kept) says so and reads as not the owner. The text is not escaped here: each surface shows it through
 * visibleText, since a label or channel id can carry characters a reader would not see.
 */
import type { ApprovalCaller } from './approvals.js';

function who(c: ApprovalCaller): string {
  switch (c.kind) {
    case 'channel': {
      // Channel ids are `<platform>:<user id>`.
      const colon = c.id.indexOf(':');
      return colon > 0 ? `${c.id.slice(0, colon)} user ${c.id.slice(colon + 1)}` : `channel user ${c.id}`;
    }
    case 'hook':
      return `webhook ${c.id}`;
    case 'cert':
      return `client certificate ${c.id}`;
    case 'internal':
      return `bulwark itself (${c.id})`;
    case 'token':
      return `token ${c.id}`;
    default:
      return `${c.kind} ${c.id}`;
  }
}

export function askedBy(caller: ApprovalCaller | undefined): string {
  if (!caller) return 'an unrecorded caller (not known to be the owner)';
  const label = caller.label !== undefined && caller.label !== '' ? ` "${caller.label}"` : '';
  return `${who(caller)}${label} (${caller.owner ? 'the owner' : 'not the owner'})`;
}
