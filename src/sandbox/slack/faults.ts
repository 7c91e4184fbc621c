// Scripted failures: the next N calls of a method answer with a Slack error, a 429 or a 5xx.
export type Fault = { error: string } | { rateLimited: number } | { status: number } | { delayMs: number };

export class FaultPlan {
  readonly #planned = new Map<string, { fault: Fault; remaining: number }[]>();

  add(method: string, fault: Fault, times = 1): void {
    const queue = this.#planned.get(method) ?? [];
    queue.push({ fault, remaining: times });
    this.#planned.set(method, queue);
  }

  take(method: string): Fault | undefined {
    const queue = this.#planned.get(method);
    const next = queue?.[0];
    if (!queue || !next) return undefined;
    next.remaining -= 1;
    if (next.remaining <= 0) queue.shift();
    return next.fault;
  }

  clear(): void {
    this.#planned.clear();
  }
}
