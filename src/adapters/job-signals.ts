import type { Redis } from 'ioredis';
import { z } from 'zod';

// Messages to a running job from any process: a Cancel button pressed on another bot replica must
// reach the worker that holds the job (BullMQ's cancelJob only reaches the local worker).
export type JobSignal = 'cancel' | 'promote' | 'abort';
// `leave` (cancel only): stop following and leave the cluster as it is, instead of putting it back.
const stored = z.object({
  signal: z.enum(['cancel', 'promote', 'abort']),
  by: z.string(),
  at: z.string(),
  leave: z.boolean().optional(),
});
export type SignalRecord = z.output<typeof stored>;

const TTL_S = 86_400;

export class JobSignals {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async send(jobId: string, signal: JobSignal, by: string, options: { leave?: boolean } = {}): Promise<void> {
    await this.#redis.set(
      `${this.#prefix}:signal:${jobId}`,
      JSON.stringify({ signal, by, at: new Date().toISOString(), ...(options.leave ? { leave: true } : {}) }),
      'EX',
      TTL_S,
    );
  }

  async read(jobId: string): Promise<SignalRecord | undefined> {
    const raw = await this.#redis.get(`${this.#prefix}:signal:${jobId}`);
    if (!raw) return undefined;
    const parsed = stored.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  async clear(jobId: string): Promise<void> {
    await this.#redis.del(`${this.#prefix}:signal:${jobId}`);
  }
}
