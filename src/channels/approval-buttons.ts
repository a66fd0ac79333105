/**
 * The buttons under an approval request, platform-neutral. Each button carries an opaque random id (never the
 * request id, never a decision in clear: 22 characters of base64url, well under Telegram's 64-byte callback_data),
 * which maps here to the request, the effect hash the message showed, and the choice. All buttons of one request
 * share one slot: the first accepted press uses it up (single use), and the slot lapses with the request (expiry).
 * A press with an id this registry never issued is a forgery. Who may press is the channel's check, made first,
 * so a refused press does not use the slot up.
 */
import { randomBytes } from 'node:crypto';
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';
import type { PendingApproval } from '../policy/index.js';

export type ButtonChoice =
  { readonly kind: 'once' } | { readonly kind: 'grant'; readonly minutes: number } | { readonly kind: 'deny' };

export interface OfferedButton {
  readonly choice: ButtonChoice;
  readonly label: string;
  /** The opaque id the platform sends back with the press. */
  readonly data: string;
}

export interface ButtonPress {
  readonly requestId: string;
  readonly agentId: string;
  /** The effect hash of the view the message showed: the decision is bound to it. */
  readonly effectHash: string;
  readonly choice: ButtonChoice;
}

interface Slot {
  readonly requestId: string;
  readonly agentId: string;
  readonly effectHash: string;
  readonly expiresAt: number;
  used: boolean;
  readonly ids: string[];
}

const PREFIX = 'b1:';
const ID = /^b1:[A-Za-z0-9_-]{22}$/;
/** Slots kept at most; the oldest go first (their buttons then answer "unknown"). */
const MAX_SLOTS = 2000;
const KEEP_EXPIRED_MS = 10 * 60_000;

function buttonError(code: string, message: string): BulwarkError {
  return bulwarkError(code, message, { layer: 'L13', status: 403 });
}

export function choiceLabel(choice: ButtonChoice): string {
  if (choice.kind === 'once') return 'Approve once';
  if (choice.kind === 'deny') return 'Deny';
  return `Approve for ${choice.minutes} min`;
}

export class ApprovalButtons {
  private readonly byId = new Map<string, { slot: Slot; choice: ButtonChoice }>();
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Fresh ids for `choices` on this request (offering it again gives new ids on the same slot). */
  offer(request: PendingApproval, choices: readonly ButtonChoice[]): OfferedButton[] {
    this.prune();
    let slot = this.slots.get(request.id);
    if (!slot) {
      slot = {
        requestId: request.id,
        agentId: request.view.agentId,
        effectHash: request.effectHash,
        expiresAt: request.expiresAt,
        used: false,
        ids: [],
      };
      this.slots.set(request.id, slot);
    }
    return choices.map((choice) => {
      const data = PREFIX + randomBytes(16).toString('base64url');
      (slot as Slot).ids.push(data);
      this.byId.set(data, { slot: slot as Slot, choice });
      return { choice, label: choiceLabel(choice), data };
    });
  }

  /** What a press means, without using it up: refused when forged, already used, or expired. */
  peek(data: string): Result<ButtonPress, BulwarkError> {
    const found = ID.test(data) ? this.byId.get(data) : undefined;
    if (!found) return err(buttonError('channel.button_unknown', 'this button was not issued by this daemon'));
    const { slot, choice } = found;
    if (slot.used) return err(buttonError('channel.button_used', 'this request was already decided with a button'));
    if (slot.expiresAt <= this.clock())
      return err(buttonError('channel.button_expired', 'this approval request has expired'));
    return ok({ requestId: slot.requestId, agentId: slot.agentId, effectHash: slot.effectHash, choice });
  }

  /** Uses up every button of this press's request (call once the decision was applied). */
  use(data: string): void {
    const found = this.byId.get(data);
    if (found) found.slot.used = true;
  }

  /** The request was decided elsewhere (API, CLI, timeout): its buttons are used up too. */
  close(requestId: string): void {
    const slot = this.slots.get(requestId);
    if (slot) slot.used = true;
  }

  get size(): number {
    return this.slots.size;
  }

  /** Long-expired slots go (their ids then answer "unknown", which refuses as well); then the oldest past the cap. */
  private prune(): void {
    const now = this.clock();
    for (const [id, slot] of this.slots) {
      // Kept a while after expiry so a late press is told it expired; dropped past that or over the cap.
      if (slot.expiresAt > now - KEEP_EXPIRED_MS && this.slots.size <= MAX_SLOTS) continue;
      this.slots.delete(id);
      for (const d of slot.ids) this.byId.delete(d);
    }
  }
}
