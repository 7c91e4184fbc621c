import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { LocalChannelPacer, RedisChannelPacer } from '../../src/adapters/channel-pacer.ts';
import { REDIS_URL, deleteRedisPrefix, uniqueName } from '../support/services.ts';

const prefix = uniqueName('opsbot-test');
let redis: Redis;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { protocol: 2, maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

describe('channel pacing', () => {
  it('shares one pace per channel between processes: a burst of 3, then one slot a second', async () => {
    // Two pacers on one Redis prefix stand for two worker processes.
    const a = new RedisChannelPacer(redis, prefix);
    const b = new RedisChannelPacer(redis, prefix);
    const waits = [];
    for (const pacer of [a, b, a, b, a]) waits.push(await pacer.reserve('C0INCIDENT1'));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    // the 4th and 5th messages get the slots 1 s and 2 s on (less the few ms these calls took)
    expect(waits[3]).toBeGreaterThan(900);
    expect(waits[3]).toBeLessThanOrEqual(1_000);
    expect(waits[4]).toBeGreaterThan(1_900);
    expect(waits[4]).toBeLessThanOrEqual(2_000);
    expect(await b.reserve('C0OTHER0001')).toBe(0);
  });

  it('applies the same rule within one process without Redis', async () => {
    const pacer = new LocalChannelPacer({ intervalMs: 1_000, burst: 2 });
    const waits = [
      await pacer.reserve('C1'),
      await pacer.reserve('C1'),
      await pacer.reserve('C1'),
      await pacer.reserve('C2'),
    ];
    expect(waits[0]).toBe(0);
    expect(waits[1]).toBe(0);
    expect(waits[2]).toBeGreaterThan(900);
    expect(waits[3]).toBe(0);
  });
});
