import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { JobSignals } from '../../src/adapters/job-signals.ts';
import { REDIS_URL, deleteRedisPrefix, uniqueName } from '../support/services.ts';

const prefix = uniqueName('opsbot-signals');
let redis: Redis;
let signals: JobSignals;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { protocol: 2 });
  signals = new JobSignals(redis, prefix);
});

afterAll(async () => {
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

describe('canary controls in Redis', () => {
  it('record one promotion per step: of many presses at once, one wins and the others are told who', async () => {
    const presses = await Promise.all(
      ['U1', 'U2', 'U3', 'U4'].map((user) => signals.promote('deploy-a1b2c3', 2, 'next', user)),
    );
    const winners = presses.filter((earlier) => earlier === undefined);
    expect(winners).toHaveLength(1);
    const winner = (await signals.canaryControls('deploy-a1b2c3', 2)).promotion!;
    for (const earlier of presses.filter(Boolean)) expect(earlier).toEqual(winner);
    expect((await signals.canaryControls('deploy-a1b2c3', 3)).promotion).toBeUndefined();
  });

  it('pause once, and of two Resumes only the one that lifted the pause is named', async () => {
    expect(await signals.pause('deploy-d4e5f6', 'U1')).toBeUndefined();
    expect(await signals.pause('deploy-d4e5f6', 'U2')).toMatchObject({ by: 'U1' });
    const [first, second] = await Promise.all([
      signals.resume('deploy-d4e5f6', 'U3'),
      signals.resume('deploy-d4e5f6', 'U4'),
    ]);
    expect([first, second].filter(Boolean)).toEqual([expect.objectContaining({ by: 'U1' })]);
    const controls = await signals.canaryControls('deploy-d4e5f6', 1);
    expect(controls.pause).toBeUndefined();
    expect(controls.resumed?.by).toBe(first ? 'U3' : 'U4');
  });

  it('forget everything about a job when it ends', async () => {
    await signals.pause('deploy-f00baa', 'U1');
    await signals.promote('deploy-f00baa', 1, 'end', 'U1');
    await signals.send('deploy-f00baa', 'abort', 'U1');
    await signals.clear('deploy-f00baa');
    expect(await signals.read('deploy-f00baa')).toBeUndefined();
    expect(await signals.canaryControls('deploy-f00baa', 1)).toEqual({
      promotion: undefined,
      pause: undefined,
      resumed: undefined,
    });
  });
});
