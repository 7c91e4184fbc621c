import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
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

// `npm run slack` as a newcomer uses it, against `npm run sandbox` in a directory, Redis prefix and
// databases of its own: waiting for the job by default, pressing what ephemeral replies and checklists
// offer, threads, entities, the clock; then a second start on a wiped database finds the dumps again.
describe('npm run slack against the sandbox', () => {
  const database = uniqueName('opsbot_sandbox_cli');
  const ledger = uniqueName('ledger_sandbox_cli');
  const prefix = uniqueName('opsbot-sandbox-cli');
  let dir = '';
  let child: ReturnType<typeof spawn> | undefined;
  let output = '';
  let env: Record<string, string> = {};

  const startSandbox = async () => {
    output = '';
    child = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    await eventually(() => expect(output).toContain('ops-bot sandbox is running'), {
      what: 'the sandbox to start',
      timeoutMs: 30_000,
    });
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsbot-sandbox-cli-'));
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      SANDBOX_DIR: dir,
      SANDBOX_SLACK_PORT: '0',
      PORT: '0',
      REDIS_URL,
      REDIS_PREFIX: prefix,
      DATABASE_URL: databaseUrl(database),
      LEDGER_DATABASE_URL: databaseUrl(ledger),
      LOG_LEVEL: 'warn',
    };
    await startSandbox();
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

  const refused = async (...args: string[]) =>
    slack(...args).then(
      () => '',
      (error: { stderr: string }) => error.stderr,
    );

  it('answers a mistyped command as Slack does, without asking the bot', async () => {
    const text = await slack('--as', 'bob', '/deploi checkout 1.4.2 to staging');
    expect(text).toContain('`/deploi` is not a valid command.');
    expect(text).toContain('Did you mean `/deploy`?');
    expect(text).not.toContain('HTTP');
  });

  it("opens a person's Home tab with --home and prints it", async () => {
    const text = await slack('--as', 'carol', '--home');
    expect(text).toContain("── @carol's Home tab ──");
    expect(text).toContain('Waiting for your approval');
    expect(text).toContain('Open incidents');
  });

  it('asks whether the sandbox runs only when nothing answered', async () => {
    const unknown = await refused('--as', 'zed', '/ops help');
    expect(unknown).toContain('no such user in the simulated workspace: zed');
    expect(unknown).not.toContain('is the sandbox running');
    expect(await refused('--sim', 'http://127.0.0.1:9', '/ops help')).toContain('(is the sandbox running?');
  });

  it('documents every flag in --help', async () => {
    const help = await slack('--help');
    const source = await readFile(CLI, 'utf8');
    const flags = [...source.matchAll(/^ {4}([a-z]+): \{ type: '(?:string|boolean)'/gm)].map((match) => match[1]);
    expect(flags.length).toBeGreaterThan(10);
    for (const flag of flags) expect(help).toContain(`--${flag}`);
  });

  it('names the scenes the sandbox plays (--scene list)', async () => {
    const list = await slack('--scene', 'list');
    expect(list).toContain('production-deploy  A production deploy with two approvals (5 steps)');
    expect(list).toContain('incident');
  });

  let backupId = '';

  it('waits until the backup job has finished, and shows the reason with its entities unescaped', async () => {
    const text = await slack('--as', 'carol', '/backup ledger --reason "before <migration> & tests"');
    expect(text).toContain('Backing up ledger');
    expect(text).toMatch(/ledger.*backed up/s);
    backupId = /ledger-\d{8}-\d{6}-[0-9a-f]{6}/.exec(text)![0];
    const list = await slack('--as', 'carol', '/backup list ledger');
    expect(list).toContain('before <migration> & tests');
    expect(list).not.toContain('&lt;');
    expect(list).toMatch(/── reply \(only you can see this\) \(--message \d+\.\d+\) ──/);
  });

  it("presses a button on an ephemeral reply without --message: /backup list's Verify", async () => {
    const verified = await slack('--as', 'carol', '--click', 'backup_verify');
    expect(verified).toContain('restores — verified');
  });

  it('shows a failing deploy’s notice as a thread reply under its message', async () => {
    const text = await slack('--as', 'bob', '/deploy checkout 1.4.3-broken to staging');
    expect(text).toMatch(/\n {4}↳ in thread of \d+\.\d+ in #deploys \(--message \d+\.\d+\)\n {4}\S/);
  });

  it('ticks a checklist item with --click incident_checklist --value item-0', async () => {
    const declared = await slack(
      '--as',
      'bob',
      '--channel',
      'general',
      '/incident declare P2 "cli test" --service checkout',
    );
    expect(declared).toContain('── created channel #inc-');
    // Channels by name, mentions rendered: no raw ids.
    expect(declared).toMatch(/── invited .* to #inc-/);
    expect(declared).not.toMatch(/<@U|#C[A-Z0-9]{6,}/);
    const ticked = await slack('--as', 'erin', '--click', 'incident_checklist', '--value', 'item-0');
    expect(ticked).toMatch(/\[x\] .*\(item-0\)/);
    expect(ticked).toMatch(/\[ \] .*\(item-1\)/);
  });

  it('streams what happens with --follow until stopped', async () => {
    const follower = spawn(process.execPath, [CLI, '--follow'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let streamed = '';
    follower.stdout.on('data', (chunk: Buffer) => {
      streamed += chunk.toString();
    });
    try {
      await slack('--as', 'bob', '--wait', '0', '/deploy checkout 1.4.2 to staging');
      await eventually(() => expect(streamed).toMatch(/checkout\* `1\.4\.1` → `1\.4\.2` in \*staging\* — succeeded/), {
        what: 'the deploy streamed to its end',
        timeoutMs: 20_000,
      });
      expect(follower.exitCode).toBeNull();
    } finally {
      await stopProcess(follower, 'SIGINT');
    }
  });

  it('moves the clock into the year-end freeze and back', async () => {
    expect(await slack('--clock', '2026-12-26 10:00 Europe/Berlin')).toContain("the bot's clock reads 2026-12-26T09:0");
    expect(await slack('--as', 'bob', '/ops freeze')).toMatch(/\*?production\*? is frozen \(year-end/);
    expect(await slack('--clock', 'now')).toContain('(real time)');
  });

  it('finds the dump again from its manifest after the database was reset, and not a forged one', async () => {
    await stopProcess(child!, 'SIGTERM');
    await dropDatabase(database);
    const dumps = join(dir, 'backups/ledger');
    const manifest = JSON.parse(await readFile(join(dumps, `${backupId}.manifest.json`), 'utf8')) as Record<
      string,
      unknown
    >;
    // A manifest copied under another id for the same dump: its file name does not match, so it is refused.
    const forged = backupId.replace(/[0-9a-f]{6}$/, 'ffffff');
    await writeFile(join(dumps, `${forged}.manifest.json`), JSON.stringify({ ...manifest, file: `${forged}.dump` }));
    // The real manifest beside a dump changed by one byte (same size): the sha256 no longer matches.
    const tampered = backupId.replace(/[0-9a-f]{6}$/, 'eeeeee');
    const bytes = await readFile(join(dumps, `${backupId}.dump`));
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    await writeFile(join(dumps, `${tampered}.dump`), bytes);
    await writeFile(
      join(dumps, `${tampered}.manifest.json`),
      JSON.stringify({ ...manifest, file: `${tampered}.dump` }),
    );
    await startSandbox();
    expect(output).toContain(`backups found again from their manifests on disk: ${backupId}\n`);
    expect(output).toContain(`not re-adopting ${forged}.manifest.json: its dump is missing`);
    expect(output).toContain(
      `not re-adopting ${tampered}.manifest.json: its dump's sha256 differs from the manifest's`,
    );
    const list = await slack('--as', 'carol', '/backup list ledger');
    expect(list).toContain(backupId);
    expect(list).not.toContain(forged);
    expect(list).not.toContain(tampered);
    expect(await readdir(dumps)).toContain(`${backupId}.dump`);
  });
});
