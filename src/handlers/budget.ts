export { beforeDeadline, withinBudget } from '../core/deadline.ts';

export const CLUSTER_BUDGET_MS = 1_500;

// Slack shows its own timeout when no answer came within 3 s of sending the request, and Bolt's
// receiver answers 404 at 3.001 s; the whole ack path (pre-flight, audit write, enqueue) therefore
// shares one deadline, with room left for the reply to travel.
export const ACK_DEADLINE_MS = 2_500;
// What pre-flight leaves for the fail-closed audit write and the enqueue that follow it.
export const AFTER_PREFLIGHT_MS = 600;
// What the audit write leaves for the enqueue.
export const ENQUEUE_RESERVE_MS = 200;
// What the checks before a form leave for views.open: Slack expires a trigger_id 3 s after the click.
export const VIEWS_OPEN_RESERVE_MS = 500;
// Work that follows an early ack (a button, a submitted form) answers through response_url or
// chat.postEphemeral, which Slack accepts for 30 minutes: no 3-second deadline, but still a bound.
export const AFTER_ACK_MS = 30_000;

// One request's deadline on a monotonic clock: each step asks how much of it is left for itself.
export class AckDeadline {
  readonly #endsAt: number;

  constructor(receivedAt: number = performance.now(), totalMs: number = ACK_DEADLINE_MS) {
    this.#endsAt = receivedAt + totalMs;
  }

  remainingMs(): number {
    return Math.max(0, this.#endsAt - performance.now());
  }

  // What a step may spend: at most `capMs`, and never the `reserveMs` the steps after it need.
  share(capMs: number = Number.POSITIVE_INFINITY, reserveMs = 0): number {
    return Math.max(0, Math.min(capMs, this.remainingMs() - reserveMs));
  }
}
