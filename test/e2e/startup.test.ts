import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { SlackSimulator } from '../../src/sandbox/slack/simulator.ts';
import { SpawnedProcesses } from '../support/child-processes.ts';
import { eventually } from '../support/eventually.ts';
import { OpsProcess } from '../support/ops-process.ts';
import { PrivateRedis } from '../support/private-redis.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { REDIS_URL, databaseUrl, deleteRedisPrefix, dropDatabase, uniqueName } from '../support/services.ts';
import { BOT_TOKEN, EXAMPLE_CATALOG, SIGNING_SECRET } from '../support/stack.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
const spawned = new SpawnedProcesses();
const database = uniqueName('opsbot_test');
const prefix = uniqueName('opsbot-test');
const sim = new SlackSimulator({ token: BOT_TOKEN });
const processes: OpsProcess[] = [];
let dir: string;

beforeAll(async () => {
  await sim.start();
  dir = await mkdtemp(join(tmpdir(), 'opsbot-startup-'));
});

afterAll(async () => {
  try {
    await Promise.all(processes.map((running) => running.kill()));
    await spawned.stopAll();
    await sim.stop();
  } finally {
    await deleteRedisPrefix(prefix);
    await dropDatabase(database);
    await rm(dir, { recursive: true, force: true });
  }
});

function baseEnv(): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: sim.apiUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    REDIS_URL,
    REDIS_PREFIX: prefix,
    DATABASE_URL: databaseUrl(database),
    OPS_CATALOG: EXAMPLE_CATALOG,
  };
}

type Run = { code: number | null; stderr: string; output: string };

// src/main.ts run to its exit, as `node dist/main.js` runs.
function runToExit(env: Record<string, string>): Promise<Run> {
  const child = spawned.track(
    spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr, output: stdout + stderr })));
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('start-up that explains itself', () => {
  it('names every missing or invalid variable in one message', async () => {
    const run = await runToExit({ PORT: 'abc', ROLE: 'boss', SLACK_STARTUP_TIMEOUT_MS: '-1' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SLACK_BOT_TOKEN is required');
    expect(run.stderr).toContain('SLACK_SIGNING_SECRET is required in HTTP mode');
    expect(run.stderr).toContain('PORT must be a port number (got "abc")');
    expect(run.stderr).toContain('ROLE must be all, bot or worker (got "boss")');
    expect(run.stderr).toContain('SLACK_STARTUP_TIMEOUT_MS must not be negative (got "-1")');
  });

  it('exits 2 naming the URL and the reason when Slack refuses connections', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/api/`;
    const run = await runToExit({ ...baseEnv(), SLACK_API_URL: url, SLACK_STARTUP_TIMEOUT_MS: '1500' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Slack is not reachable at ${url}auth.test after 1500 ms`);
    expect(run.stderr).toContain('connection refused (ECONNREFUSED)');
    expect(run.output).toContain('"msg":"Slack not reachable yet"');
  });

  it('names a TLS failure (https to a server that speaks plain HTTP)', async () => {
    const url = sim.apiUrl.replace(/^http:/, 'https:');
    const run = await runToExit({ ...baseEnv(), SLACK_API_URL: url, SLACK_STARTUP_TIMEOUT_MS: '500' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Slack is not reachable at ${url}auth.test after 500 ms: TLS failed (`);
  });

  it('exits 2 naming PostgreSQL without its password and the reason when it refuses connections', async () => {
    const port = await closedPort();
    const run = await runToExit({ ...baseEnv(), DATABASE_URL: `postgres://ops:hunter2@127.0.0.1:${port}/opsbot` });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `ops-bot cannot start: PostgreSQL at postgres://ops:***@127.0.0.1:${port}/opsbot could not be used: ` +
        'connection refused (ECONNREFUSED)',
    );
    expect(run.output).not.toContain('hunter2');
  });

  it('exits 2 with the last error Redis gave when it never becomes ready (a user it does not know)', async () => {
    const redis = new URL(REDIS_URL);
    const run = await runToExit({ ...baseEnv(), REDIS_URL: `redis://nobody:hunter2@${redis.host}` });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('did not become ready within 10000 ms; the last error: WRONGPASS');
    expect(run.output).not.toContain('hunter2');
  });

  it('exits 2 at once on a token Slack rejects, without retrying', async () => {
    const run = await runToExit({ ...baseEnv(), SLACK_BOT_TOKEN: 'xoxb-not-the-token' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('invalid token: Slack said invalid_auth');
    expect(run.output).not.toContain('Slack not reachable yet');
  });
});

describe('Redis that will not lose jobs', () => {
  let redis: PrivateRedis;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    const client = new Redis(redis.url);
    await client.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    client.disconnect();
  });

  afterAll(() => redis.stop());

  it('refuses to start against a Redis that evicts keys, and starts with the override', async () => {
    const run = await runToExit({ ...baseEnv(), REDIS_URL: redis.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Redis maxmemory-policy is "allkeys-lru"; ops-bot needs "noeviction"');

    const bot = await OpsProcess.start('bot', {
      ...baseEnv(),
      REDIS_URL: redis.url,
      REDIS_SKIP_EVICTION_CHECK: 'true',
    });
    processes.push(bot);
    expect(bot.output()).toContain('REDIS_SKIP_EVICTION_CHECK=true');
    expect((await bot.stop()).code).toBe(0);
  });

  it('says so and points at the override when Redis does not allow CONFIG', async () => {
    const client = new Redis(redis.url);
    await client.call('ACL', 'SETUSER', 'default', '-config');
    client.disconnect();
    const run = await runToExit({ ...baseEnv(), REDIS_URL: redis.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Redis did not allow CONFIG GET maxmemory-policy (NOPERM');
    expect(run.stderr).toContain('set REDIS_SKIP_EVICTION_CHECK=true');
  });
});

// The example catalog with one more service, which `/ops history billing` tells apart from an unknown one.
function withBilling(original: string): string {
  return original.replace(
    '\nservices:\n',
    '\nservices:\n  billing:\n    namespace: shop\n    deployment: billing\n    container: app\n' +
      '    image: registry.example.com/shop/billing\n    environments: [staging]\n',
  );
}

describe('SIGHUP reloads the catalog', () => {
  it('keeps the old catalog when the new one is invalid, and applies a valid one', async () => {
    const catalog = join(dir, 'catalog.yml');
    const original = await readFile(EXAMPLE_CATALOG, 'utf8');
    await writeFile(catalog, original);
    const bot = await OpsProcess.start('bot', { ...baseEnv(), OPS_CATALOG: catalog });
    processes.push(bot);
    const driver = sim.connectBot(bot.url, SIGNING_SECRET);
    const reloads = async (outcome: string) => {
      const text = await (await fetch(`${bot.url}/metrics`)).text();
      return new RegExp(`opsbot_catalog_reloads_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1];
    };
    const billing = async () => (await driver.command('alice', '/ops history billing')).json?.text ?? '';
    expect(await billing()).toContain('There is no service');
    // Both series exist from the start, so increase() in OpsBotCatalogReloadRefused counts the first refusal.
    expect([await reloads('applied'), await reloads('refused')]).toEqual(['0', '0']);

    await writeFile(catalog, `${original}\n  nonsense: [\n`);
    bot.child.kill('SIGHUP');
    await eventually(async () => expect(await reloads('refused')).toBe('1'));
    expect(bot.output()).toContain('catalog reload refused, the old catalog stays in use');
    expect((await driver.command('alice', '/ops history checkout')).json?.text ?? '').not.toContain(
      'There is no service',
    );
    expect(bot.crashed).toBe(false);
    // No kubeconfig here: /readyz names each context and stays 200, as only catalog, Redis and PostgreSQL decide.
    const ready = await fetch(`${bot.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks).toMatchObject({
      slack: 'ok',
      'kubernetes:staging': 'missing from the kubeconfig',
      'kubernetes:prod': 'missing from the kubeconfig',
    });

    await writeFile(catalog, withBilling(original));
    bot.child.kill('SIGHUP');
    await eventually(async () => expect(await reloads('applied')).toBe('1'));
    expect(await billing()).not.toContain('There is no service');
    expect((await bot.stop()).code).toBe(0);
  });
});

describe('SIGHUP during start-up', () => {
  it('does not kill a bot still waiting for Slack, and reads the catalog again once started', async () => {
    const catalog = join(dir, 'catalog-starting.yml');
    const original = await readFile(EXAMPLE_CATALOG, 'utf8');
    await writeFile(catalog, original);
    const proxy = new TcpProxy({ host: '127.0.0.1', port: Number(new URL(sim.apiUrl).port) });
    const port = await proxy.start();
    await proxy.cut();
    const env = {
      ...baseEnv(),
      OPS_CATALOG: catalog,
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
      SLACK_STARTUP_TIMEOUT_MS: '30000',
    };
    try {
      const bot = await OpsProcess.start('bot', env, async (starting) => {
        await eventually(() => expect(starting.output()).toContain('Slack not reachable yet'));
        await writeFile(catalog, withBilling(original));
        starting.child.kill('SIGHUP');
        await proxy.start();
      });
      processes.push(bot);
      const driver = sim.connectBot(bot.url, SIGNING_SECRET);
      await eventually(async () => {
        const text = await (await fetch(`${bot.url}/metrics`)).text();
        expect(text).toContain('opsbot_catalog_reloads_total{outcome="applied"} 1');
      });
      const answer = await driver.command('alice', '/ops history billing');
      expect(answer.json?.text ?? '').not.toContain('There is no service');
      expect(bot.crashed).toBe(false);
      expect((await bot.stop()).code).toBe(0);
    } finally {
      await proxy.stop();
    }
  });
});

describe('/readyz names what is down', () => {
  it('names Slack with the reason once it stops answering, and stays ready', async () => {
    const slack = new SlackSimulator({ token: BOT_TOKEN });
    await slack.start();
    const bot = await OpsProcess.start('bot', { ...baseEnv(), SLACK_API_URL: slack.apiUrl });
    processes.push(bot);
    await slack.stop();
    const ready = await fetch(`${bot.url}/readyz`);
    expect(ready.status).toBe(200);
    const { checks } = (await ready.json()) as { checks: Record<string, string> };
    expect(checks).toMatchObject({ catalog: 'ok', redis: 'ok', postgres: 'ok' });
    expect(checks.slack).toBe('unreachable: connection refused (ECONNREFUSED)');
    expect((await bot.stop()).code).toBe(0);
  });
});
