import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RdsGateway } from '../../src/adapters/rds.ts';
import { parseEnv } from '../../src/config/env.ts';
import { SCHEDULE_REQUESTER } from '../../src/core/backup-schedule.ts';
import { startOpsBot, type RunningOpsBot } from '../../src/start.ts';
import { eventually } from '../support/eventually.ts';
import { clustersFor } from '../support/kube.ts';
import { LogCapture } from '../support/log-capture.ts';
import { BOT_TOKEN, SIGNING_SECRET, startStack, type Stack } from '../support/stack.ts';

// Scheduled backups end to end: real BullMQ job schedulers on real Redis, two workers, the RDS and Slack
// simulators, and PostgreSQL rows the digest and the RPO check read.

const REPORTS = 'C0DEPLOYS01';
const HOUR = 3_600_000;
let stack: Stack;
let second: RunningOpsBot;
const secondLogs = new LogCapture();
let catalogFile: string;

function catalog(ordersSchedule: boolean): string {
  const schedule = ordersSchedule
    ? '\n    schedule: { cron: "*/2 * * * * *", tz: Europe/Berlin }\n    verifyEvery: 7d'
    : '';
  return `environments:
  production: { context: prod }
databases:
  orders:
    engine: rds-instance
    identifier: orders-prod
    region: eu-central-1
    environment: production
    verify: { allowed: true }
    rpo: 24h${schedule}
  broken:
    engine: rds-instance
    identifier: broken-prod
    region: eu-central-1
    environment: production
    schedule: { cron: "0 3 * * *", tz: Europe/Berlin }
  ledger: { engine: postgres, url: "env:OPSBOT_UNUSED_URL", dir: /tmp/opsbot-unused, environment: production, rpo: 24h }
  payments: { engine: rds-instance, identifier: payments-prod, region: eu-central-1, environment: production, rpo: 24h }
backups:
  reportChannel: ${REPORTS}
roles:
  backup: ["@dba"]
`;
}

async function secondWorker(): Promise<RunningOpsBot> {
  return startOpsBot({
    env: parseEnv({
      ROLE: 'worker',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: stack.sim.apiUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      REDIS_PREFIX: stack.prefix,
      DATABASE_URL: stack.databaseUrl,
      OPS_CATALOG: catalogFile,
      LOG_LEVEL: 'debug',
    }),
    logDestination: secondLogs.stream,
    slackRetry: 'rapid',
    kube: clustersFor(stack.kube),
    rds: new RdsGateway({
      endpoint: stack.rds.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    }),
    rdsPollMs: 40,
  });
}

beforeAll(async () => {
  catalogFile = join(await mkdtemp(join(tmpdir(), 'opsbot-schedules-')), 'catalog.yml');
  await writeFile(catalogFile, catalog(true));
  stack = await startStack({ env: { OPS_CATALOG: catalogFile } });
  stack.rds.addInstance('orders-prod');
  stack.rds.addInstance('payments-prod');
  second = await secondWorker();
});

afterAll(async () => {
  await second?.close();
  await stack?.close();
});

const reports = () => stack.sim.workspace.channelMessages(REPORTS).map((message) => message.text);

async function scheduledRows(database: string) {
  const { rows } = await stack.bot.pool.query<{ id: string; job_id: string; status: string }>(
    'SELECT id, job_id, status FROM backups WHERE database = $1 AND requested_by = $2 ORDER BY created_at',
    [database, SCHEDULE_REQUESTER],
  );
  return rows;
}

async function metric(name: string, database: string): Promise<number | undefined> {
  const text = await (await fetch(`${stack.bot.url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}{database="${database}"}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('scheduled backups', () => {
  it('fire once per tick with two workers running, audited as requested by the schedule', async () => {
    const rows = await eventually(
      async () => {
        const found = (await scheduledRows('orders')).filter((row) => row.status === 'available');
        if (found.length < 3) throw new Error(`${found.length} scheduled backups so far`);
        return found;
      },
      { timeoutMs: 30_000, what: 'three scheduled backups of orders' },
    );
    const ticks = rows.map((row) => /^repeat:backup-orders:(\d+)$/.exec(row.job_id)?.[1]);
    expect(ticks.every((tick) => tick !== undefined && Number(tick) % 2_000 === 0)).toBe(true);
    // Each tick ran once: as many backups as distinct ticks, and each tick's job started in one worker only
    // (a tick run twice would write the same backup id, so the rows alone could not show it).
    const all = await scheduledRows('orders');
    expect(new Set(all.map((row) => row.job_id)).size).toBe(all.length);
    const started = [...stack.logs.lines(), ...secondLogs.lines()]
      .filter((line) => line.msg === 'job started' && String(line.jobId).startsWith('repeat:backup-orders:'))
      .map((line) => String(line.jobId));
    expect(started.length).toBeGreaterThanOrEqual(rows.length);
    expect(new Set(started).size).toBe(started.length);
    expect((await stack.bot.queues.schedulers('backup')).map((scheduler) => scheduler.id).sort()).toEqual([
      'backup-broken',
      'backup-orders',
    ]);
    const { rows: audit } = await stack.bot.pool.query(
      "SELECT decision FROM audit_events WHERE action LIKE 'backup.%' AND target = 'orders' AND actor = $1",
      [SCHEDULE_REQUESTER],
    );
    expect(audit.map((row) => row.decision)).toEqual(expect.arrayContaining(['started', 'succeeded']));
    // Succeeded backups of a `report: failures` database post nothing.
    expect(reports().filter((text) => text.startsWith('Scheduled backup of orders'))).toEqual([]);
  });

  it('runs a restore drill when none has passed within verifyEvery, and records it', async () => {
    const drills = await eventually(
      async () => {
        const { rows } = await stack.bot.pool.query(
          'SELECT backup_id, passed, requested_by FROM backup_verifies WHERE database = $1',
          ['orders'],
        );
        if (rows.length === 0) throw new Error('no drill yet');
        return rows;
      },
      { timeoutMs: 20_000, what: 'a scheduled restore drill' },
    );
    expect(drills[0]).toMatchObject({ passed: true, requested_by: SCHEDULE_REQUESTER });
  });

  it('shows the next scheduled run in /backup list and /ops status', async () => {
    const next = (await stack.bot.queues.schedulers('backup')).find((scheduler) => scheduler.id === 'backup-broken')!;
    const list = await stack.slack.command('bob', '/backup list broken');
    expect(list.json?.text).toContain(`Next scheduled backup: broken ${next.next!.toISOString()}`);
    const status = await stack.slack.command('bob', '/ops status');
    expect(status.json?.text).toMatch(/Next scheduled backup: .*broken \S+/);
    expect(JSON.stringify(status.json?.blocks)).toContain(':calendar: Next scheduled backup:');
  });

  it('removes a database scheduler on SIGHUP when its schedule leaves the catalog', async () => {
    await writeFile(catalogFile, catalog(false));
    expect(await stack.bot.reloadCatalog()).toBe('applied');
    expect(await second.reloadCatalog()).toBe('applied');
    const ids = (await stack.bot.queues.schedulers('backup')).map((scheduler) => scheduler.id);
    expect(ids).toEqual(['backup-broken']);
  });

  it('posts a failed scheduled backup to the report channel', async () => {
    const scheduler = await stack.bot.queues.queue('backup').getJobScheduler('backup-broken');
    expect(scheduler?.pattern).toBe('0 3 * * *');
    expect(scheduler?.tz).toBe('Europe/Berlin');
    // The scheduler's own job, due now instead of at 03:00.
    await stack.bot.queues.enqueue('backup', 'backup-broken-tick', scheduler!.template!.data);
    const text = await eventually(
      () => {
        const found = reports().find((entry) => entry.startsWith('Scheduled backup of broken failed'));
        if (!found) throw new Error(`reports: ${reports().join(' | ')}`);
        return found;
      },
      { timeoutMs: 15_000, what: 'the failure report' },
    );
    expect(text).toMatch(/broken-prod/);
    await eventually(
      async () => {
        const job = await stack.bot.queues.queue('backup').getJob('backup-broken-tick');
        if (!(await job?.isFailed())) throw new Error('the job has not failed yet');
      },
      { what: 'the scheduled job failed' },
    );
  });
});

describe('digest and RPO', () => {
  async function insertBackup(database: string, id: string, status: string, ageMs: number) {
    await stack.bot.pool.query(
      `INSERT INTO backups (id, database, engine, env, status, requested_by, location, retain_until, created_at)
       VALUES ($1, $2, 'postgres', 'production', $3, 'U0DBA', '/tmp/x', now() + interval '30 days',
               now() - ($4 || ' milliseconds')::interval)`,
      [id, database, status, String(ageMs)],
    );
  }

  it("lists each database's last backup, its age against the RPO and its last successful verify", async () => {
    await insertBackup('ledger', 'ledger-good', 'available', 30 * HOUR);
    await insertBackup('ledger', 'ledger-failed', 'failed', 2 * HOUR);
    await stack.bot.pool.query(
      `INSERT INTO backup_verifies (backup_id, database, passed, job_id, requested_by, finished_at) VALUES
         ('ledger-good', 'ledger', true, 'verify-a', 'U0DBA', now() - interval '40 hours'),
         ('ledger-good', 'ledger', false, 'verify-b', 'U0DBA', now() - interval '1 hour')`,
    );
    await stack.bot.queues.enqueue('backup-digest', 'backup-digest-test', { correlationId: 'digest-test' });
    const digest = await eventually(
      () => {
        const found = reports().find((text) => text.startsWith('Weekly backup digest'));
        if (!found) throw new Error('no digest yet');
        return found;
      },
      { timeoutMs: 15_000, what: 'the digest' },
    );
    const lines = digest.split('\n');
    expect(lines).toContain(
      'ledger: last backup ledger-failed failed 2h ago; newest good 30h old against RPO 24h (over the RPO); ' +
        'last successful verify 40h ago (ledger-good)',
    );
    const orders = lines.find((line) => line.startsWith('orders: '))!;
    expect(orders).toMatch(/newest good \S+ old against RPO 24h \(within\); last successful verify \S+ ago/);
    expect(lines.find((line) => line.startsWith('broken: '))).toMatch(
      /^broken: last backup broken-\S+ failed \S+ ago; no good backup \(no RPO set\); never verified$/,
    );
  });

  it('raises the series and posts a breach once, however many checks see it', async () => {
    await insertBackup('payments', 'payments-old', 'available', 25 * HOUR);
    for (const run of ['a', 'b', 'c'])
      await stack.bot.queues.enqueue('backup-rpo', `backup-rpo-test-${run}`, { correlationId: `rpo-${run}` });
    await eventually(
      async () => {
        const job = await stack.bot.queues.queue('backup-rpo').getJob('backup-rpo-test-c');
        if (!(await job?.isCompleted())) throw new Error('checks still running');
      },
      { timeoutMs: 15_000, what: 'three RPO checks' },
    );
    const posts = reports().filter((text) => text.includes('payments-old'));
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatch(/^RPO breached: payments .* RPO of 24h: its newest good backup payments-old is 25h old/);
    expect(await metric('opsbot_backup_rpo_breached', 'payments')).toBe(1);
    expect(await metric('opsbot_backup_age_seconds', 'payments')).toBeGreaterThanOrEqual(25 * 3_600);
    expect(await metric('opsbot_backup_rpo_breached', 'orders')).toBe(0);
    const { rows } = await stack.bot.pool.query(
      "SELECT count(*)::int AS n FROM audit_events WHERE action = 'backup.rpo' AND target = 'payments'",
    );
    expect(rows[0].n).toBeGreaterThanOrEqual(1);
  });
});
