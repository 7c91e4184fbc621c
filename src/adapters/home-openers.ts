import type { Redis } from 'ioredis';

// Who has opened ops-bot's Home tab lately: only their Homes are refreshed when something changes. A
// sorted set scored by the last opening, so people who stopped looking drop out after the TTL.
export const HOME_TTL_MS = 7 * 86_400_000;

export function homeOpenersKey(prefix: string): string {
  return `${prefix}:home:openers`;
}

export class HomeOpeners {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#key = homeOpenersKey(prefix);
  }

  async remember(userId: string, at: Date): Promise<void> {
    await this.#redis.zadd(this.#key, at.getTime(), userId);
  }

  // The people who opened Home within the TTL; older entries are dropped on the way.
  async recent(now: Date): Promise<string[]> {
    const oldest = now.getTime() - HOME_TTL_MS;
    await this.#redis.zremrangebyscore(this.#key, '-inf', `(${oldest}`);
    return this.#redis.zrangebyscore(this.#key, oldest, '+inf');
  }
}
