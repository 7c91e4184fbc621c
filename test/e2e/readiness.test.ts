import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/eventually.ts';
import { REDIS_URL } from '../support/services.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

let stack: Stack;
let proxy: TcpProxy;

beforeAll(async () => {
  const redis = new URL(REDIS_URL);
  proxy = new TcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  const port = await proxy.start();
  stack = await startStack({ redisUrl: `redis://127.0.0.1:${port}` });
  stack.rds.addInstance('orders-prod');
});

afterAll(async () => {
  await proxy.start();
  await stack.close();
  await proxy.stop();
});

async function readyz() {
  const response = await fetch(`${stack.bot.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
}

describe('/healthz and /readyz', () => {
  it('is alive and ready when Redis, PostgreSQL and the catalog are, and names each other dependency', async () => {
    expect((await fetch(`${stack.bot.url}/healthz`)).status).toBe(200);
    expect(await readyz()).toEqual({
      status: 200,
      body: expect.objectContaining({
        checks: {
          catalog: 'ok',
          redis: 'ok',
          postgres: 'ok',
          slack: 'ok',
          'kubernetes:staging': 'ok',
          'kubernetes:prod': 'ok',
          'rds:eu-central-1': 'ok',
        },
      }),
    });
  });

  it('answers 503 naming Redis while it is unreachable, and 200 again once it is back', async () => {
    await proxy.cut();
    const down = await eventually(async () => {
      const answer = await readyz();
      expect(answer.status).toBe(503);
      return answer;
    });
    expect(down.body.checks.redis).toMatch(/^unreachable/);
    expect(down.body.checks.postgres).toBe('ok');
    expect((await fetch(`${stack.bot.url}/healthz`)).status).toBe(200);

    await proxy.start();
    await eventually(async () => expect((await readyz()).status).toBe(200), { timeoutMs: 15_000 });
  });

  it('tells the person that nothing started when a command needs the queue and Redis is away', async () => {
    await proxy.cut();
    await eventually(async () => expect((await readyz()).status).toBe(503));
    const answer = await stack.slack.command('carol', '/ops whoami');
    expect(answer.status).toBe(200);
    expect(answer.json?.text).toContain('cannot reach its job queue (Redis) right now, so nothing was started');
    await proxy.start();
    await eventually(async () => expect((await readyz()).status).toBe(200), { timeoutMs: 15_000 });
  });
});

describe('/readyz and RDS credentials', () => {
  it('names the region whose credentials RDS refuses, without making the pod unready', async () => {
    const own = await startStack();
    try {
      const message = 'The security token included in the request is invalid.';
      own.rds.fail('DescribeDBInstances', 'InvalidClientTokenId', { status: 403, message, times: 10 });
      const answer = await fetch(`${own.bot.url}/readyz`);
      const body = (await answer.json()) as { checks: Record<string, string> };
      expect(answer.status).toBe(200);
      expect(body.checks['rds:eu-central-1']).toBe(`credentials refused: DescribeDBInstances: ${message}`);
    } finally {
      await own.close();
    }
  });
});
