import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SlackSimulator } from '../../src/sandbox/slack/simulator.ts';
import { SpawnedProcesses } from '../support/child-processes.ts';
import { eventually } from '../support/eventually.ts';
import { REDIS_URL, databaseUrl, deleteRedisPrefix, dropDatabase, uniqueName } from '../support/services.ts';
import { BOT_TOKEN, EXAMPLE_CATALOG, SIGNING_SECRET } from '../support/stack.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
const spawned = new SpawnedProcesses();

afterAll(() => spawned.stopAll());

type Run = { code: number | null; stdout: string; stderr: string };

// The real entry point in its own process, as `npm start` runs it (from source: Node 24 strips types).
function runMain(
  env: Record<string, string>,
  untilExit = true,
): { done: Promise<Run>; child: ReturnType<typeof spawn>; output: () => string } {
  const child = spawned.track(
    spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<Run>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  if (!untilExit) void done;
  return { done, child, output: () => stdout + stderr };
}

describe('start-up configuration errors', () => {
  it('exits 2 naming the variable when SLACK_BOT_TOKEN is missing', async () => {
    const run = await runMain({ SLACK_SIGNING_SECRET: SIGNING_SECRET, PORT: 'abc' }).done;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('SLACK_BOT_TOKEN is required');
    expect(run.stderr).toContain('PORT must be a port number (got "abc")');
  });

  it('exits 2 naming the file, the line and the field of a broken catalog', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'opsbot-')), 'catalog.yml');
    await writeFile(file, 'environments:\n  staging:\n    context: staging\n    approval: sometimes\n');
    const run = await runMain({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, OPS_CATALOG: file })
      .done;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${file}:4:15: environments.staging.approval: expected "none" or {approvers, required, expires} (got "sometimes")`,
    );
  });
});

describe('a running process', () => {
  const database = uniqueName('opsbot_test');
  const prefix = uniqueName('opsbot-test');
  const sim = new SlackSimulator({ token: BOT_TOKEN });

  beforeAll(async () => {
    await sim.start();
  });

  afterAll(async () => {
    await sim.stop();
    await deleteRedisPrefix(prefix);
    await dropDatabase(database);
  });

  it('serves Slack and health endpoints, then stops cleanly on SIGTERM with exit code 0', async () => {
    const run = runMain(
      {
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: sim.apiUrl,
        HOST: '127.0.0.1',
        PORT: '0',
        REDIS_URL,
        REDIS_PREFIX: prefix,
        DATABASE_URL: databaseUrl(database),
        OPS_CATALOG: EXAMPLE_CATALOG,
      },
      false,
    );
    const port = await eventually(
      () => {
        const match = /"port":(\d+)/.exec(run.output());
        if (!match) throw new Error(`not started yet: ${run.output().slice(-300)}`);
        return Number(match[1]);
      },
      { timeoutMs: 20_000 },
    );
    const driver = sim.connectBot(`http://127.0.0.1:${port}`, SIGNING_SECRET);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect((await driver.command('alice', '/ops help')).status).toBe(200);

    run.child.kill('SIGTERM');
    const exit = await run.done;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('ops-bot stopped');
  });
});
