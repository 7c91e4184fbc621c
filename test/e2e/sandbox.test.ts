import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stopProcess } from '../support/child-processes.ts';
import { eventually } from '../support/eventually.ts';
import { REDIS_URL, databaseUrl, deleteRedisPrefix, dropDatabase, uniqueName } from '../support/services.ts';

const MAIN = new URL('../../src/sandbox/main.ts', import.meta.url).pathname;
const CLI = new URL('../../src/sandbox/cli.ts', import.meta.url).pathname;
const ROOT = new URL('../..', import.meta.url).pathname;

// `npm run sandbox` and `npm run slack`, as the README tells a newcomer to use them, in a directory,
// Redis prefix and databases of their own so a sandbox someone is running is left alone.
describe('the sandbox', () => {
  const database = uniqueName('opsbot_sandbox_test');
  const ledger = uniqueName('ledger_sandbox_test');
  const prefix = uniqueName('opsbot-sandbox-test');
  let dir = '';
  let child: ReturnType<typeof spawn> | undefined;
  let output = '';
  let env: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsbot-sandbox-'));
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      SANDBOX_DIR: dir,
      SANDBOX_SLACK_PORT: '0',
      SANDBOX_CONSOLE_PORT: '0',
      PORT: '0',
      REDIS_URL,
      REDIS_PREFIX: prefix,
      DATABASE_URL: databaseUrl(database),
      LEDGER_DATABASE_URL: databaseUrl(ledger),
      LOG_LEVEL: 'warn',
    };
    child = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await eventually(() => expect(output).toContain('ops-bot sandbox is running'), {
      what: 'the sandbox to start',
      timeoutMs: 30_000,
    });
  });

  afterAll(async () => {
    if (child) await stopProcess(child, 'SIGTERM');
    await deleteRedisPrefix(prefix);
    await dropDatabase(database);
    await dropDatabase(ledger);
    await rm(dir, { recursive: true, force: true });
  });

  const slack = async (...args: string[]) =>
    (await promisify(execFile)(process.execPath, [CLI, ...args], { cwd: ROOT, env })).stdout;

  it('answers /ops whoami as the README shows', async () => {
    const text = await slack('--as', 'carol', '--wait', '4', '/ops whoami');
    expect(text).toContain('You are @carol');
    expect(text).toContain('You may not: restore (needs @dba)');
  });

  // What the simulated Slack received, read the way the CLI reads it.
  const slackCalls = async () => {
    const { simulator } = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { simulator: string };
    return (
      (await (await fetch(`${simulator}/_sim/calls?after=0`)).json()) as {
        calls: { method: string; args: { text?: string } }[];
      }
    ).calls;
  };
  const posted = (pattern: RegExp) =>
    eventually(
      async () => {
        const found = (await slackCalls()).find(
          (call) => /^chat\.(postMessage|update)$/.test(call.method) && pattern.test(String(call.args.text)),
        );
        if (!found) throw new Error(`nothing matching ${String(pattern)} yet`);
        return String(found.args.text);
      },
      { what: String(pattern), timeoutMs: 20_000 },
    );

  it('backs up the ledger with pg_dump and snapshots orders in the simulated RDS', async () => {
    expect(await slack('--as', 'carol', '--wait', '0', '/backup ledger --reason "sandbox test"')).toContain(
      'Backing up ledger',
    );
    expect(await posted(/ledger.*backed up/s)).toMatch(/ledger-\d{8}-\d{6}-[0-9a-f]{6}/);
    expect(await slack('--as', 'carol', '--wait', '0', '/backup list ledger')).toContain('sandbox test');
    expect(await slack('--as', 'carol', '--wait', '0', '/backup orders')).toContain('Backing up orders');
    expect(await posted(/orders.*backed up/s)).toMatch(/orders-\d{8}-\d{6}-[0-9a-f]{6}/);
  });

  // The clusters serve TLS with the CA in the sandbox's kubeconfig: the bot deploys through it, and
  // kubectl (when installed) reads what the bot did, as the README shows.
  it('deploys to staging over TLS, and kubectl reads the rollout from the sandbox kubeconfig', async () => {
    expect(await slack('--as', 'bob', '--wait', '0', '/deploy checkout 1.4.2 to staging')).toContain('checkout');
    expect(await posted(/checkout.*1\.4\.2.*staging.*succeeded/s)).toContain('succeeded');
    const kubeconfig = await readFile(join(dir, 'kubeconfig'), 'utf8');
    expect(kubeconfig).toMatch(/server: https:\/\/127\.0\.0\.1:\d+/);
    expect(kubeconfig).toContain('certificate-authority-data');
    const kubectl = promisify(execFile)('kubectl', [
      ...['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'kube-cache')],
      ...['--context', 'staging', '-n', 'shop', 'rollout', 'history', 'deploy/checkout'],
    ]);
    const history = await kubectl.catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      process.stderr.write('sandbox.test.ts: kubectl is not on PATH, so its part of this test is skipped\n');
      return undefined;
    });
    if (history) expect(history.stdout).toMatch(/^2\s+ops-bot: 1\.4\.2 by /m);
  });

  it('runs an incident from declaration to summary with the commands the README shows', async () => {
    const declared = await slack(
      '--as',
      'bob',
      '--channel',
      'general',
      '--wait',
      '3',
      '/incident declare P1 "sandbox checkout errors" --service checkout',
    );
    expect(declared).toContain('── created channel #inc-');
    expect(declared).toContain('is ready: people invited, bridge and status card pinned');
    const card = /── pinned message (\d+\.\d+) in (#inc-[a-z0-9-]+) ──/.exec(declared);
    expect(card).not.toBeNull();
    const [, cardTs, channel] = card!;
    // The example catalog pages P1 through the sandbox's PagerDuty simulator; the card says so.
    await eventually(
      async () => {
        const updates = (await slackCalls()).filter((call) => call.method === 'chat.update');
        expect(updates.some((call) => JSON.stringify(call.args).includes('paged on-call (P1) at'))).toBe(true);
      },
      { what: 'the card saying the on-call was paged', timeoutMs: 20_000 },
    );
    expect(await slack('--as', 'erin', '--wait', '1', '--click', 'incident_ack', '--message', cardTs!)).toContain(
      'You are the commander',
    );
    expect(await slack('--as', 'erin', '--wait', '1', '--click', 'incident_update', '--message', cardTs!)).toContain(
      '--submit incident_update_modal',
    );
    expect(
      await slack(
        '--as',
        'erin',
        '--wait',
        '1',
        '--submit',
        'incident_update_modal',
        '--field',
        'status=identified',
        '--field',
        'text=bad config',
      ),
    ).toContain('*Update* (identified)');
    const resolved = await slack(
      '--as',
      'erin',
      '--wait',
      '3',
      '--channel',
      channel!.slice(1),
      '/incident resolve "rolled back"',
    );
    expect(resolved).toContain('Time to acknowledge');
    expect(resolved).toContain('Postmortem draft');
  });
});
