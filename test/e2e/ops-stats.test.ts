import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { approvalMessage, currentImage, IMAGE, releaseRows, seedCheckout } from '../support/approvals.ts';
import { testCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { metricValue, metricsText } from '../support/queue-totals.ts';
import { POSTGRES_URL, databaseUrl, uniqueName } from '../support/services.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

// /ops stats end to end: real Bolt and PostgreSQL's release ledger. The ledger rows below are the
// test's own, with known times and outcomes, so every figure in the answers is computed by hand here.
const CATALOG = testCatalog({ required: 1 });
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let stack: Stack;

type Row = {
  kind?: 'deploy' | 'rollback';
  strategy?: 'rolling' | 'canary';
  service: string;
  env: string;
  version: string;
  outcome: string | null;
  // Hours before now the release was requested; the other times are minutes after that.
  hoursAgo: number;
  approved?: number;
  started: number;
  finished?: number;
};

// checkout production: 1.1.0 failed and 1.1.1 restored it 1h 10m later; 1.2.0 went live, was rolled
// back 1h later; 1.2.1 was refused. checkout staging: 1.2.0 rolled back automatically 3m after it
// started (restored by itself; the same version went live 3h later); 1.3.0 failed an hour ago and is still failing (1.3.1 was cancelled).
// search staging: 2.0.0 is older than 30 days; 2.1.1's canary was aborted 5m after it started (the
// stable Deployment never changed: restored by itself); 2.2.0 was interrupted; 2.2.1 is still running.
const ROWS: Row[] = [
  {
    service: 'checkout',
    env: 'production',
    version: '1.0.0',
    outcome: 'succeeded',
    hoursAgo: 480,
    approved: 30,
    started: 35,
    finished: 40,
  },
  {
    service: 'checkout',
    env: 'production',
    version: '1.1.0',
    outcome: 'failed',
    hoursAgo: 240,
    approved: 10,
    started: 12,
    finished: 20,
  },
  {
    service: 'checkout',
    env: 'production',
    version: '1.1.1',
    outcome: 'succeeded',
    hoursAgo: 239,
    approved: 20,
    started: 25,
    finished: 30,
  },
  {
    service: 'checkout',
    env: 'production',
    version: '1.2.0',
    outcome: 'rolled_back',
    hoursAgo: 72,
    approved: 60,
    started: 62,
    finished: 70,
  },
  {
    kind: 'rollback',
    service: 'checkout',
    env: 'production',
    version: '1.1.1',
    outcome: 'succeeded',
    hoursAgo: 70,
    approved: 5,
    started: 6,
    finished: 10,
  },
  {
    service: 'checkout',
    env: 'production',
    version: '1.2.1',
    outcome: 'refused',
    hoursAgo: 48,
    approved: 5,
    started: 6,
    finished: 7,
  },
  {
    service: 'checkout',
    env: 'staging',
    version: '1.1.0',
    outcome: 'succeeded',
    hoursAgo: 288,
    started: 1,
    finished: 5,
  },
  {
    service: 'checkout',
    env: 'staging',
    version: '1.2.0',
    outcome: 'rolled_back_auto',
    hoursAgo: 120,
    started: 1,
    finished: 4,
  },
  {
    service: 'checkout',
    env: 'staging',
    version: '1.2.0',
    outcome: 'succeeded',
    hoursAgo: 117,
    started: 1,
    finished: 4,
  },
  { service: 'checkout', env: 'staging', version: '1.3.0', outcome: 'failed', hoursAgo: 1, started: 1, finished: 3 },
  {
    service: 'checkout',
    env: 'staging',
    version: '1.3.1',
    outcome: 'cancelled',
    hoursAgo: 0.5,
    started: 1,
    finished: 2,
  },
  { service: 'search', env: 'staging', version: '2.0.0', outcome: 'succeeded', hoursAgo: 960, started: 1, finished: 2 },
  { service: 'search', env: 'staging', version: '2.1.0', outcome: 'succeeded', hoursAgo: 144, started: 1, finished: 2 },
  {
    service: 'search',
    env: 'staging',
    version: '2.1.1',
    strategy: 'canary',
    outcome: 'failed',
    hoursAgo: 100,
    started: 1,
    finished: 6,
  },
  { service: 'search', env: 'staging', version: '2.2.0', outcome: 'interrupted', hoursAgo: 6, started: 1, finished: 9 },
  { service: 'search', env: 'staging', version: '2.2.1', outcome: null, hoursAgo: 2, started: 1 },
];

async function insert(rows: Row[], now: number): Promise<void> {
  for (const [index, row] of rows.entries()) {
    const requested = now - row.hoursAgo * HOUR;
    const at = (minutes: number | undefined) => (minutes === undefined ? null : new Date(requested + minutes * MINUTE));
    await stack.bot.pool.query(
      `INSERT INTO releases (kind, service, env, context, namespace, deployment, image, version, strategy, requester,
         job_id, requested_at, approved_at, started_at, finished_at, outcome)
       VALUES ($1, $2, $3, $3, 'shop', $2, $4, $5, $12, 'U0BOB00002', $6, $7, $8, $9, $10, $11)`,
      [
        row.kind ?? 'deploy',
        row.service,
        row.env,
        `registry.example.com/shop/${row.service}:${row.version}`,
        row.version,
        `${row.kind ?? 'deploy'}-seeded${String(index).padStart(9, '0')}`,
        new Date(requested),
        at(row.approved),
        at(row.started),
        at(row.finished),
        row.outcome,
        row.strategy ?? 'rolling',
      ],
    );
  }
}

async function stats(text: string): Promise<string> {
  const answer = await stack.slack.command('dave', `/ops ${text}`);
  expect(answer.status).toBe(200);
  expect(answer.json?.response_type).toBe('ephemeral');
  return String(answer.json?.text);
}

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG });
  await insert(ROWS, Date.now());
}, 60_000);

afterAll(async () => stack.close());

describe('/ops stats', () => {
  it('sums up every release of the last 30 days, with the busiest services', async () => {
    expect(await stats('stats')).toBe(
      [
        '*Delivery figures everywhere, the last 30d*',
        '*Went live:* 7 (6 deploys, 1 rollback) of 15 started · 1.6/week',
        '*Change failure rate:* 50% (5 of 10 deploys failed or rolled back)',
        '*Time to restore:* median 32m 30s, worst 1h 10m (4 restored; 1 still failing)',
        '*Lead time, request to live:* median 10m, p90 52m',
        '*Of which waiting for approval:* median 25m, p90 51m (4 of 7 needed approval)',
        '*By service* (most releases first)',
        '• *checkout*  6 live · 4 of 8 deploys failed (50%) · 1 still failing',
        '• *search*  1 live · 1 of 2 deploys failed (50%)',
      ].join('\n'),
    );
  });

  it('narrows to one service, across its environments', async () => {
    expect(await stats('stats checkout')).toBe(
      [
        '*Delivery figures in `checkout`, the last 30d*',
        '*Went live:* 6 (5 deploys, 1 rollback) of 11 started · 1.4/week',
        '*Change failure rate:* 50% (4 of 8 deploys failed or rolled back)',
        '*Time to restore:* median 1h, worst 1h 10m (3 restored; 1 still failing)',
        '*Lead time, request to live:* median 20m, p90 55m',
        '*Of which waiting for approval:* median 25m, p90 51m (4 of 6 needed approval)',
      ].join('\n'),
    );
  });

  it('narrows to one environment and goes back as far as --since says', async () => {
    expect(await stats('stats production --since 7d')).toBe(
      [
        '*Delivery figures in `production`, the last 7d*',
        '*Went live:* 2 (1 deploy, 1 rollback) of 3 started · 2/week',
        '*Change failure rate:* 100% (1 of 1 deploy failed or rolled back)',
        '*Time to restore:* median 1h, worst 1h (1 restored)',
        '*Lead time, request to live:* median 40m, p90 1h 4m',
        '*Of which waiting for approval:* median 32m 30s, p90 54m 30s (2 of 2 needed approval)',
        '*By service* (most releases first)',
        '• *checkout*  2 live · 1 of 1 deploy failed (100%)',
      ].join('\n'),
    );
  });

  it('says plainly when nothing happened in the window', async () => {
    expect(await stats('stats search --since 1h')).toBe('No releases in `search` in the last 1h: nothing to measure.');
  });

  it('refuses a word that is neither a service nor an environment, and a bad --since, with usage', async () => {
    const unknown = await stats('stats chekout');
    expect(unknown).toContain('There is no service or environment `chekout` in the catalog.');
    expect(unknown).toContain('Services: checkout, search. Environments: staging, production.');
    expect(unknown).toContain('/ops stats [service|env] [--since 30d]');
    const badSince = await stats('stats staging --since yesterday');
    expect(badSince).toContain('--since `yesterday` is not a duration');
    expect(badSince).toContain('/ops stats [service|env] [--since 30d]');
    expect(await stats('stats --since 91d')).toContain('`/ops stats --since` goes back at most 90d.');
  });
});

// `npm run audit:export -- …` as the script runs it, against the stack's database.
function exported(...args: string[]): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const script = new URL('../../scripts/audit-export.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, DATABASE_URL: stack.databaseUrl },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
  });
}

// The same script run to its exit, for how it refuses.
function exportRun(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const script = new URL('../../scripts/audit-export.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('npm run audit:export refuses rather than export the wrong thing', () => {
  it('without DATABASE_URL, with a bad flag, and says which database it could not read (no password)', async () => {
    const unset = await exportRun({});
    expect(unset).toEqual({ code: 2, stderr: expect.stringContaining('DATABASE_URL is not set') });
    const flag = await exportRun({ DATABASE_URL: stack.databaseUrl }, '--sinc', '1d');
    expect(flag).toEqual({ code: 2, stderr: expect.stringContaining("Unknown option '--sinc'") });
    const down = await exportRun({ DATABASE_URL: 'postgres://ops:hunter2@127.0.0.1:1/audit' });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('could not read postgres://ops@127.0.0.1:1/audit: connect ECONNREFUSED');
    expect(down.stderr).not.toContain('hunter2');
  });
});

describe('npm run audit:export -- --releases', () => {
  it('exports the ledger rows started in the window, oldest first, narrowed by --target', async () => {
    const csv = (await exported('--releases', '--since', '7d', '--format', 'csv', '--target', 'production'))
      .trim()
      .split('\n');
    const header = csv[0]!.split(',');
    expect(header.slice(0, 4)).toEqual(['id', 'kind', 'service', 'env']);
    expect(header).toContain('approvedAt');
    const cell = (line: string, column: string) => line.split(',')[header.indexOf(column)];
    expect(csv.slice(1).map((line) => [cell(line, 'kind'), cell(line, 'version'), cell(line, 'outcome')])).toEqual([
      ['deploy', '1.2.0', 'rolled_back'],
      ['rollback', '1.1.1', 'succeeded'],
      ['deploy', '1.2.1', 'refused'],
    ]);
    const jsonl = (await exported('--releases', '--since', '30d')).trim().split('\n');
    expect(jsonl).toHaveLength(15);
    expect(JSON.parse(jsonl[0]!)).toMatchObject({ service: 'checkout', env: 'production', version: '1.0.0' });
  });
});

describe('the Prometheus series of releases', () => {
  it('count a deploy, its lead time and its approval wait in the process that ran it', async () => {
    seedCheckout(stack);
    const answer = await stack.slack.command('bob', '/deploy checkout 1.4.0 to production --reason "metrics"');
    expect(answer.status).toBe(200);
    const message = await approvalMessage(stack, '1.4.0');
    await stack.slack.click('carol', { messageTs: message.ts, actionId: 'approval_approve' });
    await eventually(() => expect(currentImage(stack)).toBe(`${IMAGE}:1.4.0`), { what: 'production on 1.4.0' });
    const [row] = await eventually(async () => {
      const rows = await releaseRows(stack, "version = '1.4.0' AND outcome IS NOT NULL");
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(row!.outcome).toBe('succeeded');
    const approvedAt = (row!.approved_at as Date).getTime();
    expect(approvedAt).toBeGreaterThanOrEqual((row!.requested_at as Date).getTime());
    expect(approvedAt).toBeLessThanOrEqual((row!.started_at as Date).getTime());
    const where = { service: 'checkout', env: 'production' };
    // Observed once the result's transaction committed, which is just before or after the row shows.
    const text = await eventually(async () => {
      const scraped = await metricsText(stack.bot);
      expect(metricValue(scraped, 'opsbot_releases_total', { ...where, outcome: 'succeeded' })).toBe(1);
      return scraped;
    });
    expect(metricValue(text, 'opsbot_release_lead_time_seconds_count', where)).toBe(1);
    expect(metricValue(text, 'opsbot_release_approval_wait_seconds_count', { env: 'production' })).toBe(1);
    // The seeded rows were never recorded by a job: the series count only what this process saw end.
    expect(metricValue(text, 'opsbot_releases_total', { ...where, outcome: 'failed' })).toBe(0);
  }, 60_000);
});

describe('/ops stats while PostgreSQL does not answer', () => {
  let slow: Stack;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const postgres = new URL(POSTGRES_URL);
    proxy = new TcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    const url = new URL(databaseUrl(uniqueName('opsbot_test')));
    url.port = String(await proxy.start());
    slow = await startStack({ catalogYaml: CATALOG, databaseUrl: url.toString() });
  });
  afterAll(async () => {
    await proxy.cut();
    await proxy.start();
    await slow.close();
    await proxy.stop();
  });

  it('answers within the ack deadline with a refusal that says why', async () => {
    proxy.blackhole();
    const answer = await slow.slack.command('dave', '/ops stats production');
    expect(answer.status).toBe(200);
    expect(String(answer.json?.text)).toContain('cannot read its release ledger right now');
  });
});
