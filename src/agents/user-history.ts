/** What a user did with a tip; `accepted` and `done` are the positive signals. */
export const FEEDBACK_KINDS = ['shown', 'accepted', 'dismissed', 'done'] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

const POSITIVE: ReadonlySet<FeedbackKind> = new Set(['accepted', 'done']);

export interface FeedbackEvent {
  /** Epoch milliseconds. */
  readonly ts: number;
  readonly kind: FeedbackKind;
}

export function isPositive(event: FeedbackEvent): boolean {
  return POSITIVE.has(event.kind);
}

/**
 * One user's feedback events, oldest first. Events after `now` cannot have happened yet (a caller's
 * clock ahead of ours, a test fixture): they are left out rather than counted.
 */
export class UserHistory {
  readonly events: readonly FeedbackEvent[];
  /** How many events the caller sent, including the ones after `now`. */
  readonly received: number;

  constructor(events: readonly FeedbackEvent[], now: number) {
    this.received = events.length;
    this.events = events.filter((e) => e.ts <= now).sort((a, b) => a.ts - b.ts);
  }

  positive(): FeedbackEvent[] {
    return this.events.filter(isPositive);
  }
}
