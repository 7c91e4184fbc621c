import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { TargetLocks } from '../../src/adapters/locks.ts';
import { producerConnection } from '../../src/adapters/redis.ts';
import { eventually } from '../support/eventually.ts';
import { REDIS_URL, deleteRedisPrefix, uniqueName } from '../support/services.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

const prefix = uniqueName('opsbot-locks');
let redis: Redis;
let locks: TargetLocks;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { protocol: 2 });
  locks = new TargetLocks(redis, prefix, 3_000);
});

afterAll(async () => {
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

describe('target locks', () => {
  it('give a target to one job; others are told who holds it', async () => {
    const first = await locks.acquire('deploy:a:staging', { jobId: 'deploy-1', userId: 'U1', what: 'first' });
    const second = await locks.acquire('deploy:a:staging', { jobId: 'deploy-2', userId: 'U2', what: 'second' });
    expect('lease' in first).toBe(true);
    expect(second).toEqual({ busy: expect.objectContaining({ jobId: 'deploy-1', userId: 'U1', what: 'first' }) });
    if ('lease' in first) await first.lease.release();
    expect(await locks.holder('deploy:a:staging')).toBeUndefined();
  });

  it('let the same job adopt its own lease after a crash, extend it and release it', async () => {
    // What a worker that died left behind: its record, with no heartbeat any more.
    await redis.set(
      `${prefix}:lock:deploy:b:staging`,
      JSON.stringify({ jobId: 'deploy-9', userId: 'U1', what: 'crashed', token: 't', since: new Date().toISOString() }),
      'PX',
      1_500,
    );
    const adopted = await locks.acquire('deploy:b:staging', { jobId: 'deploy-9', userId: 'U1', what: 'resumed' });
    expect('lease' in adopted).toBe(true);
    if ('lease' in adopted) {
      // The heartbeat (every ttl/3 = 1 s) must find and extend the adopted value.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(adopted.lease.lost()).toBe(false);
      expect(await redis.pttl(`${prefix}:lock:deploy:b:staging`)).toBeGreaterThan(1_000);
      await adopted.lease.release();
    }
    expect(await locks.holder('deploy:b:staging')).toBeUndefined();
  });

  it('never fail a release when Redis is away: the lease is left to its TTL', async () => {
    const redisUrl = new URL(REDIS_URL);
    const proxy = new TcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    await proxy.start();
    // The bot's own producer connection: fail fast, no offline queue.
    const flaky = producerConnection({ url: `redis://127.0.0.1:${proxy.port}` });
    flaky.on('error', () => undefined);
    await new Promise((resolve) => flaky.once('ready', resolve));
    try {
      const away = new TargetLocks(flaky, prefix, 1_500);
      const taken = await away.acquire('deploy:c:staging', { jobId: 'deploy-7', userId: 'U1', what: 'finishing' });
      if (!('lease' in taken)) throw new Error('expected the lease');
      await proxy.cut();
      await expect(taken.lease.release()).resolves.toBe(false);
      // Nobody released it, so the TTL does: the target is free again without anyone's help.
      await eventually(async () => expect(await locks.holder('deploy:c:staging')).toBeUndefined(), {
        timeoutMs: 5_000,
      });
    } finally {
      flaky.disconnect();
      await proxy.stop();
    }
  });

  it('give the lease back as soon as Redis answers again, not only when its TTL ends', async () => {
    const redisUrl = new URL(REDIS_URL);
    const proxy = new TcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    await proxy.start();
    const flaky = producerConnection({ url: `redis://127.0.0.1:${proxy.port}` });
    flaky.on('error', () => undefined);
    await new Promise((resolve) => flaky.once('ready', resolve));
    try {
      // A minute's TTL: the target must be free long before it ends.
      const away = new TargetLocks(flaky, prefix, 60_000);
      const taken = await away.acquire('deploy:d:staging', { jobId: 'deploy-8', userId: 'U1', what: 'finishing' });
      if (!('lease' in taken)) throw new Error('expected the lease');
      await proxy.cut();
      await expect(taken.lease.release()).resolves.toBe(false);
      expect((await locks.holder('deploy:d:staging'))?.jobId).toBe('deploy-8');
      await proxy.start();
      await eventually(async () => expect(await locks.holder('deploy:d:staging')).toBeUndefined(), {
        timeoutMs: 15_000,
        what: 'the lease given back after Redis returned',
      });
    } finally {
      flaky.disconnect();
      await proxy.stop();
    }
  });

  it('reserve a target for planning, release it only for its own job', async () => {
    expect(
      await locks.reserve('planning:c:prod', { jobId: 'plan-1', userId: 'U1', what: 'deploy' }, 10_000),
    ).toBeUndefined();
    expect(
      await locks.reserve('planning:c:prod', { jobId: 'plan-2', userId: 'U2', what: 'deploy' }, 10_000),
    ).toMatchObject({ jobId: 'plan-1' });
    await locks.unreserve('planning:c:prod', 'plan-2');
    expect(await locks.holder('planning:c:prod')).toMatchObject({ jobId: 'plan-1' });
    await locks.unreserve('planning:c:prod', 'plan-1');
    expect(await locks.holder('planning:c:prod')).toBeUndefined();
  });
});
