// What the cluster answers within `ms`, or undefined: the bot may ask Kubernetes inside Slack's
// 3-second ack, but never wait on it past its budget. Refusals (rejections) are passed on; a late
// failure is left to whoever continues in the background.
export async function withinBudget<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export const CLUSTER_BUDGET_MS = 1_500;

// `work` within `ms`, else `late()` is thrown: for a read the answer cannot do without (a record that
// must exist before anything starts). A read that lands afterwards is dropped.
export async function beforeDeadline<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(late()), Math.max(0, ms));
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

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
