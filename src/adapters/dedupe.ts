import type { Redis } from 'ioredis';
import { hashOf } from '../core/ids.ts';

const DELIVERY_TTL_S = 24 * 3_600;

// One delivery, one outcome: the first caller for a key wins; Slack's retries and replays find it
// taken. The key outlives BullMQ's own job-id dedupe, which ends when a finished job is removed.
export class DeliveryLedger {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async claim(deliveryKey: string, owner: string): Promise<boolean> {
    const answer = await this.#redis.set(this.#key(deliveryKey), owner, 'EX', DELIVERY_TTL_S, 'NX');
    return answer === 'OK';
  }

  // When the work for a claimed delivery could not even start, let a retry try again.
  async release(deliveryKey: string): Promise<void> {
    await this.#redis.del(this.#key(deliveryKey));
  }

  #key(deliveryKey: string): string {
    return `${this.#prefix}:delivery:${hashOf(deliveryKey).slice(0, 32)}`;
  }
}
