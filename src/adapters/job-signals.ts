import type { Redis } from 'ioredis';
import { z } from 'zod';

// Messages to a running job from any process: a Cancel button pressed on another bot replica must
// reach the worker that holds the job (BullMQ's cancelJob only reaches the local worker).
export type JobSignal = 'cancel' | 'abort';
// `leave` (cancel only): stop following and leave the cluster as it is, instead of putting it back.
const stored = z.object({
  signal: z.enum(['cancel', 'abort']),
  by: z.string(),
  at: z.string(),
  leave: z.boolean().optional(),
});
export type SignalRecord = z.output<typeof stored>;

// A canary's controls are state, not events: a promotion is recorded once per step (the first press
// wins; a double click or a retried delivery finds it there) and a pause is there until resumed.
// The running job reads them at its own step, so a promotion can never apply to a later step.
const promotion = z.object({ to: z.enum(['next', 'end']), by: z.string(), at: z.string() });
const pause = z.object({ by: z.string(), at: z.string() });
export type CanaryPromotion = z.output<typeof promotion>;
export type CanaryPause = z.output<typeof pause>;
// `resumed`: who lifted the last pause, so the message can name them.
export type CanaryControls = {
  promotion?: CanaryPromotion | undefined;
  pause?: CanaryPause | undefined;
  resumed?: CanaryPause | undefined;
};

const TTL_S = 86_400;

// One step, so that the pause lifted and the name recorded for it cannot come apart.
const RESUME = `
local paused = redis.call('HGET', KEYS[1], 'pause')
if not paused then return false end
redis.call('HDEL', KEYS[1], 'pause')
redis.call('HSET', KEYS[1], 'resumed', ARGV[1])
return paused`;

function parsed<T>(schema: z.ZodType<T>, raw: string | null | undefined): T | undefined {
  if (!raw) return undefined;
  try {
    const result = schema.safeParse(JSON.parse(raw));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

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
    return parsed(stored, await this.#redis.get(`${this.#prefix}:signal:${jobId}`));
  }

  // Records the promotion from `step` unless one is recorded already; returns that earlier one if so.
  async promote(
    jobId: string,
    step: number,
    to: CanaryPromotion['to'],
    by: string,
  ): Promise<CanaryPromotion | undefined> {
    const record = JSON.stringify({ to, by, at: new Date().toISOString() });
    return this.#setOnce(jobId, `promote:${step}`, record, promotion);
  }

  // Pauses the canary unless it is paused already; returns the pause in force if so.
  async pause(jobId: string, by: string): Promise<CanaryPause | undefined> {
    return this.#setOnce(jobId, 'pause', JSON.stringify({ by, at: new Date().toISOString() }), pause);
  }

  // Lifts the pause; returns the pause that was lifted, undefined when there was none (and then
  // records nothing: of two Resumes pressed at once, only the one that lifted the pause is named).
  async resume(jobId: string, by: string): Promise<CanaryPause | undefined> {
    const record = JSON.stringify({ by, at: new Date().toISOString() });
    const lifted = await this.#redis.eval(RESUME, 1, this.#controlsKey(jobId), record);
    return typeof lifted === 'string' ? parsed(pause, lifted) : undefined;
  }

  async canaryControls(jobId: string, step: number): Promise<CanaryControls> {
    const key = this.#controlsKey(jobId);
    const [promoted, paused, resumed] = await this.#redis.hmget(key, `promote:${step}`, 'pause', 'resumed');
    return { promotion: parsed(promotion, promoted), pause: parsed(pause, paused), resumed: parsed(pause, resumed) };
  }

  async clear(jobId: string): Promise<void> {
    await this.#redis.del(`${this.#prefix}:signal:${jobId}`, this.#controlsKey(jobId));
  }

  #controlsKey(jobId: string): string {
    return `${this.#prefix}:canary:${jobId}`;
  }

  // HSETNX and the read of what is there in one MULTI: two presses at once cannot both win.
  async #setOnce<T>(jobId: string, field: string, record: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const key = this.#controlsKey(jobId);
    const result = await this.#redis.multi().hsetnx(key, field, record).hget(key, field).expire(key, TTL_S).exec();
    const [set, read] = result ?? [];
    if (!set || set[0] || !read || read[0]) throw set?.[0] ?? read?.[0] ?? new Error('Redis did not run the MULTI');
    return set[1] === 1 ? undefined : parsed(schema, read[1] as string | null);
  }
}
