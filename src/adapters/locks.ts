import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

// One change per target at a time: a Redis lease with an owner token, a TTL and a heartbeat.
// Extending and releasing check the token in one Lua step, so a lease that expired and was taken by
// someone else is never extended or released by its old owner (redis.io/docs/latest/commands/set).
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

export const lockHolder = z.object({
  token: z.string(),
  jobId: z.string(),
  userId: z.string(),
  since: z.string(),
  what: z.string(),
});
export type LockHolder = z.output<typeof lockHolder>;

// release() never rejects: it retries a few times and, if Redis stays away, goes on in the background
// until Redis answers or the lease's TTL ends it.
// A change that finished must not turn into a failed job because its lock could not be given back.
export type Lease = { holder: LockHolder; release(): Promise<boolean>; lost(): boolean };

const RELEASE_RETRIES_MS = [100, 300, 900];
const RELEASE_LATER_MS = 1_000;

export class TargetLocks {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(redis: Redis, prefix: string, ttlMs = 60_000) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#ttlMs = ttlMs;
  }

  #key(target: string): string {
    return `${this.#prefix}:lock:${target}`;
  }

  async holder(target: string): Promise<LockHolder | undefined> {
    return (await this.#read(target))?.holder;
  }

  // The stored string is kept as read: the Lua compare needs it byte for byte, and a re-serialised
  // parse can order its keys differently.
  async #read(target: string): Promise<{ holder: LockHolder; raw: string } | undefined> {
    const raw = await this.#redis.get(this.#key(target));
    if (!raw) return undefined;
    const parsed = lockHolder.safeParse(JSON.parse(raw));
    return parsed.success ? { holder: parsed.data, raw } : undefined;
  }

  // A short reservation without heartbeat: taken once, expiring by itself, released by its job.
  async reserve(
    target: string,
    holder: Omit<LockHolder, 'token' | 'since'>,
    ttlMs: number,
  ): Promise<LockHolder | undefined> {
    const full: LockHolder = { ...holder, token: holder.jobId, since: new Date().toISOString() };
    const taken = await this.#redis.set(this.#key(target), JSON.stringify(full), 'PX', ttlMs, 'NX');
    if (taken === 'OK') return undefined;
    const current = await this.holder(target);
    return current?.jobId === holder.jobId ? undefined : (current ?? full);
  }

  async unreserve(target: string, jobId: string): Promise<void> {
    const current = await this.#read(target);
    if (current?.holder.jobId === jobId) await this.#redis.eval(RELEASE, 1, this.#key(target), current.raw);
  }

  // Takes the lease, or answers who holds it. The stored value is the whole holder record, so the
  // token comparison in Lua compares that record.
  async acquire(
    target: string,
    holder: Omit<LockHolder, 'token' | 'since'>,
  ): Promise<{ lease: Lease } | { busy: LockHolder }> {
    const full: LockHolder = { ...holder, token: randomUUID(), since: new Date().toISOString() };
    const value = JSON.stringify(full);
    const key = this.#key(target);
    const taken = await this.#redis.set(key, value, 'PX', this.#ttlMs, 'NX');
    if (taken !== 'OK') {
      const current = await this.#read(target);
      // The same job taking its own lock again (a retried or resumed job) may continue with it.
      if (current && current.holder.jobId === holder.jobId) return this.#adopt(key, current.holder, current.raw);
      return { busy: current?.holder ?? { ...full, jobId: 'unknown', userId: 'unknown' } };
    }
    return { lease: this.#lease(key, full, value) };
  }

  async #adopt(key: string, current: LockHolder, raw: string): Promise<{ lease: Lease }> {
    await this.#redis.eval(EXTEND, 1, key, raw, this.#ttlMs);
    return { lease: this.#lease(key, current, raw) };
  }

  #lease(key: string, holder: LockHolder, value: string): Lease {
    let lost = false;
    const heartbeat = setInterval(() => {
      this.#redis.eval(EXTEND, 1, key, value, this.#ttlMs).then(
        (extended) => {
          if (Number(extended) !== 1) lost = true;
        },
        () => undefined,
      );
    }, this.#ttlMs / 3);
    heartbeat.unref();
    return {
      holder,
      lost: () => lost,
      release: async () => {
        clearInterval(heartbeat);
        return this.#releaseWithRetries(key, value);
      },
    };
  }

  async #releaseWithRetries(key: string, value: string): Promise<boolean> {
    for (const waitMs of [0, ...RELEASE_RETRIES_MS]) {
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      if (await this.#tryRelease(key, value)) return true;
    }
    this.#releaseLater(key, value, Date.now() + this.#ttlMs);
    return false;
  }

  // Redis is away (a restart, a failover) for longer than the quick retries: the job ends anyway, and
  // the release goes on in the background once a second until Redis answers or the lease has expired.
  // Left to its TTL alone, a lease that survived the restart (Redis keeps it in its append-only file)
  // refused the next change of the target for up to a minute, naming a job that had finished.
  #releaseLater(key: string, value: string, until: number): void {
    if (Date.now() >= until) return;
    const timer = setTimeout(() => {
      void this.#tryRelease(key, value).then((released) => {
        if (!released) this.#releaseLater(key, value, until);
      });
    }, RELEASE_LATER_MS);
    timer.unref();
  }

  async #tryRelease(key: string, value: string): Promise<boolean> {
    try {
      await this.#redis.eval(RELEASE, 1, key, value);
      return true;
    } catch {
      return false;
    }
  }
}
