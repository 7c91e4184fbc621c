import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { IMAGE, auditRows, currentImage, realPatches } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { totalJobs } from '../support/queue-totals.ts';
import { databaseUrl, dropDatabase, uniqueName } from '../support/services.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { TargetLocks } from '../../src/adapters/locks.ts';

let stack: Stack;
let dumps: string;
const ledger = uniqueName('opsbot_ledger');

function catalog(dir: string): string {
  return `environments:
  staging: { context: staging }
  production:
    context: prod
    approval: { approvers: ["@sre-leads"], required: 2, expires: 30m }
services:
  checkout:
    namespace: shop
    deployment: checkout
    container: app
    image: ${IMAGE}
    environments: [production]
    backupBefore: orders
databases:
  orders:
    engine: rds-instance
    identifier: orders-prod
    region: eu-central-1
    environment: production
    retention: 30d
    verify: { allowed: true, check: { sql: "SELECT count(*) > 0 FROM accounts", url: "env:OPSBOT_TEST_ORDERS_CHECK_URL" } }
  sessions: { engine: rds-instance, identifier: sessions-prod, region: eu-central-1, environment: production }
  analytics: { engine: rds-cluster, identifier: analytics-prod, region: eu-central-1, environment: production, verify: { allowed: true } }
  ledger: { engine: postgres, url: "env:OPSBOT_TEST_LEDGER_URL", dir: "${dir}", environment: staging, retention: 90d }
backups:
  reportChannel: C0DEPLOYS01
roles:
  deploy: ["@engineers"]
  backup: ["@dba", "@sre"]
  restore: ["@dba"]
`;
}

beforeAll(async () => {
  dumps = await mkdtemp(join(tmpdir(), 'opsbot-dumps-'));
  const admin = new pg.Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${ledger}`);
  await admin.end();
  const client = new pg.Client({ connectionString: databaseUrl(ledger) });
  await client.connect();
  await client.query(
    'CREATE TABLE accounts (id serial PRIMARY KEY, name text); CREATE TABLE entries (id serial PRIMARY KEY, account int, cents bigint); CREATE SCHEMA archive; CREATE TABLE archive.closed (id int)',
  );
  await client.query("INSERT INTO accounts (name) SELECT 'acct-' || g FROM generate_series(1, 100) g");
  await client.query('INSERT INTO entries (account, cents) SELECT g % 100, g * 7 FROM generate_series(1, 50) g');
  await client.query('INSERT INTO archive.closed SELECT generate_series(1, 7)');
  await client.end();
  process.env.OPSBOT_TEST_LEDGER_URL = databaseUrl(ledger);
  stack = await startStack({ catalogYaml: catalog(dumps), progressIntervalMs: 20 });
  stack.rds.addInstance('orders-prod');
  stack.rds.addCluster('analytics-prod');
  stack.rds.addInstance('sessions-prod');
  stack.kube.prod.addDeployment({
    namespace: 'shop',
    name: 'checkout',
    container: 'app',
    image: `${IMAGE}:1.0.0`,
    replicas: 2,
  });
});

afterAll(async () => {
  await stack.close();
  await dropDatabase(ledger);
});

function lastMessage(prefix: string) {
  return stack.sim.workspace
    .channelMessages('C0DEPLOYS01')
    .filter((message) => message.text.startsWith(prefix))
    .at(-1);
}

async function finished(prefix: string, word: string) {
  return eventually(
    () => {
      const message = lastMessage(prefix);
      if (!message?.text.includes(word)) throw new Error(`message: ${message?.text}`);
      return message;
    },
    { timeoutMs: 20_000, what: `${prefix} ${word}` },
  );
}

const idOf = (text: string) => /([a-z]+-\d{8}-\d{6}-[0-9a-f]{6})/.exec(text)![1]!;

describe('/backup of RDS', () => {
  it('takes an instance snapshot with its tags; the message moves with PercentProgress and ends with the id', async () => {
    await stack.slack.command('dave', '/backup orders --reason "before migration"');
    const message = await finished('Backup of orders', 'backed up');
    const id = idOf(message.text);
    expect(id).toMatch(/^orders-\d{8}-\d{6}-[0-9a-f]{6}$/);
    const snapshot = stack.rds.state.snapshots.get(id)!;
    expect(stack.rds.state.snapshotProgress(snapshot).status).toBe('available');
    expect(Object.fromEntries(snapshot.tags.map((tag) => [tag.Key, tag.Value]))).toMatchObject({
      'created-by': 'ops-bot',
      'requested-by': 'U0DAVE0004',
      reason: 'before migration',
      'job-id': expect.stringMatching(/^backup-/),
      'retain-until': expect.any(String),
    });
    const percents = stack.sim
      .callsTo('chat.update')
      .map((call) => /(\d+)%/.exec(JSON.stringify(call.args.blocks))?.[1])
      .filter(Boolean);
    expect(new Set(percents).size).toBeGreaterThan(1);
  });

  it('takes an Aurora cluster snapshot', async () => {
    await stack.slack.command('erin', '/backup analytics');
    const message = await finished('Backup of analytics', 'backed up');
    const snapshot = stack.rds.state.snapshots.get(idOf(message.text))!;
    expect(snapshot).toMatchObject({ kind: 'cluster', source: 'analytics-prod' });
    expect(stack.rds.calls.some((call) => call.action === 'CreateDBClusterSnapshot')).toBe(true);
  });
});

describe('/backup verify of RDS', () => {
  const deletedWithoutFinalSnapshot = (action: string, id: string) =>
    stack.rds.calls.some(
      (call) =>
        call.action === action && Object.values(call.params).includes(id) && call.params.SkipFinalSnapshot === 'true',
    );

  it('restores an Aurora snapshot into a temporary cluster, waits until available, and deletes it without a final snapshot', async () => {
    const id = idOf(lastMessage('Backup of analytics')!.text);
    await stack.slack.command('erin', `/backup verify ${id}`);
    const verified = await finished(`Verify of ${id}`, 'verified');
    const scratch = /opsbot-verify-[0-9a-f]{8}/.exec(
      JSON.stringify(stack.rds.calls.find((call) => call.action === 'RestoreDBClusterFromSnapshot')?.params),
    )![0];
    expect(
      stack.rds.calls.find((call) => call.action === 'RestoreDBClusterFromSnapshot')?.params.SnapshotIdentifier,
    ).toBe(id);
    await eventually(() => expect(deletedWithoutFinalSnapshot('DeleteDBCluster', scratch)).toBe(true));
    expect(JSON.stringify(verified.blocks)).toContain('it has been deleted');
    await eventually(async () =>
      expect((await auditRows(stack, "action = 'backup.verify' AND decision = 'passed'")).length).toBeGreaterThan(0),
    );
  });

  it("runs the catalog's SQL check on a temporary instance; a failing check fails the verify and the instance is still deleted", async () => {
    const id = idOf(lastMessage('Backup of orders')!.text);
    stack.rds.state.endpoint = { host: '127.0.0.1', port: Number(new URL(databaseUrl(ledger)).port || 5432) };
    try {
      process.env.OPSBOT_TEST_ORDERS_CHECK_URL = databaseUrl(ledger);
      await stack.slack.command('dave', `/backup verify ${id}`);
      const passed = await finished(`Verify of ${id}`, 'verified');
      expect(JSON.stringify(passed.blocks)).toContain('the check `SELECT count(*) > 0 FROM accounts` passed');

      process.env.OPSBOT_TEST_ORDERS_CHECK_URL = databaseUrl('postgres'); // no accounts table there
      const before = stack.rds.calls.length;
      await stack.slack.command('dave', `/backup verify ${id}`);
      const failed = await finished(`Verify of ${id}`, 'verify failed');
      expect(failed.text).toContain('could not run on the restored copy');
      expect(failed.text).toContain('relation "accounts" does not exist');
      const scratch = stack.rds.calls.slice(before).find((call) => call.action === 'RestoreDBInstanceFromDBSnapshot')!
        .params.DBInstanceIdentifier!;
      await eventually(() => expect(deletedWithoutFinalSnapshot('DeleteDBInstance', scratch)).toBe(true));
    } finally {
      stack.rds.state.endpoint = undefined;
    }
  });

  it('refuses to verify where the catalog does not allow it, because it costs money', async () => {
    await stack.slack.command('dave', '/backup sessions');
    const done = await finished('Backup of sessions', 'backed up');
    const id = idOf(done.text);
    // Neither the finished message nor the list offers a Verify that could only be refused.
    expect(JSON.stringify(done.blocks)).not.toContain('backup_verify');
    const list = JSON.stringify((await stack.slack.command('dave', '/backup list sessions')).json?.blocks);
    expect(list).toContain('backup_restore');
    expect(list).not.toContain('backup_verify');
    expect(list).toContain('does not allow verifying');
    const restores = stack.rds.calls.filter((call) => call.action.startsWith('Restore')).length;
    const refused = await stack.slack.command('dave', `/backup verify ${id}`);
    expect(refused.json?.text).toContain('Verifying sessions is not allowed by the catalog');
    expect(refused.json?.text).toContain('verify.allowed: true');
    const plan = await stack.slack.command(
      'dave',
      `/backup verify ${idOf(lastMessage('Backup of analytics')!.text)} --plan`,
    );
    expect(plan.json?.text).toContain('Verify would restore');
    expect(plan.json?.text).toContain('Now: would run now. It changes nothing people use, so it needs no approval');
    expect(stack.rds.calls.filter((call) => call.action.startsWith('Restore')).length).toBe(restores);
  });
});

describe('/backup of PostgreSQL', () => {
  let id: string;

  it('dumps with a manifest of sha256, server version and per-table rows, and verify restores it with identical counts', async () => {
    await stack.slack.command('dave', '/backup ledger');
    id = idOf((await finished('Backup of ledger', 'backed up')).text);
    const manifest = JSON.parse(await readFile(join(dumps, `${id}.manifest.json`), 'utf8')) as {
      sha256: string;
      serverVersion: string;
      tables: { schema: string; name: string; rows: number }[];
      createdBy: string;
    };
    expect(manifest).toMatchObject({
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      serverVersion: expect.stringMatching(/^\d+/),
      createdBy: 'ops-bot',
    });
    expect(manifest.tables.map((table) => [`${table.schema}.${table.name}`, table.rows])).toEqual([
      ['archive.closed', 7],
      ['public.accounts', 100],
      ['public.entries', 50],
    ]);
    await stack.slack.command('dave', `/backup verify ${id}`);
    const verified = await finished(`Verify of ${id}`, 'verified');
    const shown = JSON.stringify(verified.blocks);
    expect(shown).toContain('public.accounts` 100 / 100 rows');
    expect(shown).toContain('archive.closed` 7 / 7 rows');
  });

  it('fails verify on a corrupted dump, naming the checksum', async () => {
    const file = join(dumps, `${id}.dump`);
    const bytes = await readFile(file);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    await writeFile(file, bytes);
    await stack.slack.command('dave', `/backup verify ${id}`);
    const failed = await finished(`Verify of ${id}`, 'verify failed');
    expect(failed.text).toContain('Checksum mismatch');
    await eventually(async () =>
      expect(
        (await auditRows(stack, "action = 'backup.verify' AND decision = 'failed' AND target = 'ledger'")).map(
          (row) => row.reason,
        ),
      ).toEqual([expect.stringContaining('Checksum mismatch')]),
    );
  });

  it('shows backups in /backup list with Verify and Restore buttons', async () => {
    const list = await stack.slack.command('bob', '/backup list ledger');
    expect(list.json?.text).toContain(id);
    expect(JSON.stringify(list.json?.blocks)).toContain('backup_verify');
    expect(JSON.stringify(list.json?.blocks)).toContain('backup_restore');
  });
});

describe('/restore', () => {
  it('--plan shows the restore and the gate it would meet, and enqueues, locks and asks for nothing', async () => {
    const orders = idOf(lastMessage('Backup of orders')!.text);
    const count = async () =>
      (await stack.bot.pool.query('SELECT count(*)::int AS n FROM approval_requests')).rows[0].n;
    const [jobsBefore, approvalsBefore] = [await totalJobs(stack.bot), await count()];
    const answer = await stack.slack.command('dave', `/restore ${orders} to orders-preview --plan`);
    expect(answer.json?.text).toContain('Plan: ');
    expect(answer.json?.text).toContain('Now: needs 2 approvals from @sre-leads.');
    const blocks = JSON.stringify(answer.json?.blocks);
    expect(blocks).toContain('*Lock*\\nfree');
    expect(blocks).toContain('*Freeze*\\nnone in force');
    expect(blocks).toContain('The backup is available and the new target name is free');
    expect(await totalJobs(stack.bot)).toBe(jobsBefore);
    expect(await count()).toBe(approvalsBefore);
    expect(
      stack.rds.calls.filter(
        (call) => call.action.startsWith('Restore') && call.params.DBInstanceIdentifier === 'orders-preview',
      ),
    ).toEqual([]);
    const refused = await stack.slack.command('dave', `/restore ${orders} to orders-prod --plan`);
    expect(refused.json?.text).toContain('An RDS instance `orders-prod` already exists');
  });

  it('refuses an existing target, and in production runs once after approval, ending with the endpoint', async () => {
    const orders = idOf(lastMessage('Backup of orders')!.text);
    const existing = await stack.slack.command('dave', `/restore ${orders} to orders-prod`);
    expect(existing.json?.text).toContain('An RDS instance `orders-prod` already exists');
    await stack.slack.command('dave', `/restore ${orders} to orders-copy --reason "inspect data"`);
    const request = await eventually(() => {
      const found = stack.sim.workspace
        .channelMessages('C0DEPLOYS01')
        .filter((message) => message.text.includes(`restore ${orders} into orders-copy`))
        .at(-1);
      if (!found || !JSON.stringify(found.blocks).includes('approval_approve')) throw new Error('no request');
      return found;
    });
    await stack.slack.click('carol', { messageTs: request.ts, actionId: 'approval_approve' });
    await stack.slack.click('frank', { messageTs: request.ts, actionId: 'approval_approve' });
    const done = await finished(`Restore of ${orders}`, 'restored at');
    expect(done.text).toContain('orders-copy.c0ffee.eu-central-1.rds.amazonaws.com:5432');
    expect(
      stack.rds.calls.filter(
        (call) =>
          call.action === 'RestoreDBInstanceFromDBSnapshot' &&
          call.params.DBInstanceIdentifier === 'orders-copy' &&
          call.status === 200,
      ),
    ).toHaveLength(1);
    expect(await auditRows(stack, "action = 'restore.start'")).toHaveLength(1);
  });
});

describe('a deploy with backupBefore', () => {
  async function approvedDeploy(version: string) {
    await stack.slack.command('bob', `/deploy checkout ${version} to production`);
    const request = await eventually(() => {
      const found = stack.sim.workspace
        .channelMessages('C0DEPLOYS01')
        .filter((message) => message.text.includes(`deploy checkout ${version} to production`))
        .at(-1);
      if (!found || !JSON.stringify(found.blocks).includes('approval_approve')) throw new Error('no request');
      return found;
    });
    await stack.slack.click('carol', { messageTs: request.ts, actionId: 'approval_approve' });
    await stack.slack.click('frank', { messageTs: request.ts, actionId: 'approval_approve' });
  }

  it('takes the backup first, then deploys', async () => {
    const before = stack.rds.state.snapshots.size;
    await approvedDeploy('1.1.0');
    const message = await finished('checkout 1.1.0 to production', 'succeeded');
    expect(JSON.stringify(message.blocks)).toMatch(/Backed up orders first: `orders-\d{8}-\d{6}-[0-9a-f]{6}`/);
    expect(stack.rds.state.snapshots.size).toBe(before + 1);
    expect(currentImage(stack)).toBe(`${IMAGE}:1.1.0`);
    await eventually(
      async () => {
        const rows = await auditRows(
          stack,
          "action IN ('backup.result', 'deploy.result') AND target IN ('orders', 'checkout/production')",
        );
        expect(rows.slice(-2).map((row) => row.action)).toEqual(['backup.result', 'deploy.result']);
      },
      { what: 'the backup, then the deploy, in the audit log' },
    );
  });

  it('does not deploy when the backup fails', async () => {
    const patches = realPatches(stack).length;
    stack.rds.deny('CreateDBSnapshot');
    await approvedDeploy('1.2.0');
    const message = await finished('checkout 1.2.0 to production', 'failed');
    expect(message.text).toContain('the backup of orders failed, so nothing was deployed');
    expect(realPatches(stack)).toHaveLength(patches);
    expect(currentImage(stack)).toBe(`${IMAGE}:1.1.0`);
  });
});

describe('bad requests and RDS failures', () => {
  it('refuses an unknown database and an invalid id at once, with no job', async () => {
    const before = await totalJobs(stack.bot);
    expect((await stack.slack.command('dave', '/backup ordrs')).json?.text).toContain(
      'There is no database `ordrs` in the catalog',
    );
    expect((await stack.slack.command('dave', '/backup verify orders--x')).json?.text).toContain(
      'is not a valid backup id',
    );
    expect((await stack.slack.command('dave', '/restore nosuch-20260101-000000-abcdef to x')).json?.text).toContain(
      'ops-bot has no backup `nosuch-20260101-000000-abcdef`',
    );
    expect(await totalJobs(stack.bot)).toBe(before);
  });

  it.each([
    [
      'an instance that is not available',
      () => {
        stack.rds.state.instances.get('orders-prod')!.readyAt = Date.now() + 60_000;
      },
      'is not available for this right now',
      () => {
        stack.rds.state.instances.get('orders-prod')!.readyAt = 0;
      },
    ],
    [
      'the snapshot quota',
      () => {
        stack.rds.state.snapshotQuota = 0;
      },
      'quota of manual snapshots',
      () => {
        stack.rds.state.snapshotQuota = 100;
      },
    ],
    [
      'AccessDenied',
      () => stack.rds.deny('CreateDBSnapshot'),
      'AWS refused ops-bot (AWS: AccessDenied)',
      () => undefined,
    ],
  ])('explain %s to the requester, and the audit row says why', async (_label, arrange, message, restore) => {
    arrange();
    try {
      await stack.slack.command('dave', '/backup orders');
      await eventually(() =>
        expect(stack.sim.callsTo('response_url').some((call) => String(call.args.text).includes(message))).toBe(true),
      );
      await eventually(async () =>
        expect(
          (await auditRows(stack, "action = 'backup.result' AND decision = 'failed'")).some((row) =>
            String(row.reason).includes(message),
          ),
        ).toBe(true),
      );
    } finally {
      restore();
    }
  });
});

describe('the end of a backup job', () => {
  it('records a refusal as its result when the database is locked by the time it runs: no start without a result', async () => {
    const locks = new TargetLocks(stack.bot.redis, stack.prefix);
    const held = await locks.acquire('backup:sessions', { jobId: 'backup-elsewhere', userId: 'U0CAROL003', what: 'x' });
    if (!('lease' in held)) throw new Error('the test could not take the lock');
    try {
      await stack.bot.queues.enqueue('backup', 'backup-raced-1', {
        correlationId: 'c-raced',
        requestedBy: { userId: 'U0DAVE0004' },
        requestedAt: new Date().toISOString(),
        channelId: 'C0DEPLOYS01',
        database: 'sessions',
      });
      const rows = await eventually(async () => {
        const found = await auditRows(stack, "job_id = 'backup-raced-1'");
        expect(found.map((row) => [row.event, row.decision])).toEqual([
          ['start', 'started'],
          ['result', 'refused'],
        ]);
        return found;
      });
      expect(String(rows[1]!.reason)).toContain('A backup of sessions is already running');
    } finally {
      await held.lease.release();
    }
  });
});

describe('retention', () => {
  it('lists only backups ops-bot created that are past retention, and Delete removes one', async () => {
    const past = new Date(Date.now() - 86_400_000).toISOString();
    stack.rds.addSnapshot('orders-20200101-000000-aaaaaa', 'orders-prod', {
      ageMs: 400 * 86_400_000,
      tags: [
        { Key: 'created-by', Value: 'ops-bot' },
        { Key: 'retain-until', Value: past },
      ],
    });
    stack.rds.addSnapshot('orders-handmade-2020', 'orders-prod', { ageMs: 400 * 86_400_000 });
    await stack.bot.queues.enqueue('backup-retention', 'backup-retention-test', { correlationId: 'c-retention' });
    const report = await eventually(() => {
      const found = stack.sim.workspace
        .channelMessages('C0DEPLOYS01')
        .find((message) => message.text.startsWith('Retention:'));
      if (!found) throw new Error('no report');
      return found;
    });
    expect(report.text).toContain('orders-20200101-000000-aaaaaa');
    expect(report.text).not.toContain('orders-handmade-2020');
    await stack.slack.click('bob', { messageTs: report.ts, actionId: 'backup_delete' });
    await eventually(
      () =>
        expect(
          stack.sim
            .callsTo('response_url')
            .some((call) => String(call.args.text).includes('it needs the role `backup`')),
        ).toBe(true),
      { what: 'bob refused' },
    );
    expect(stack.rds.state.snapshots.get('orders-20200101-000000-aaaaaa')?.gone).toBeUndefined();
    await stack.slack.click('dave', { messageTs: report.ts, actionId: 'backup_delete' });
    await eventually(() => expect(stack.rds.state.snapshots.get('orders-20200101-000000-aaaaaa')?.gone).toBe(true));
    expect(stack.rds.state.snapshots.get('orders-handmade-2020')?.gone).toBeUndefined();
    await eventually(async () =>
      expect((await auditRows(stack, "action = 'backup.delete'")).map((row) => row.actor)).toEqual(['U0DAVE0004']),
    );
  });
});

describe('/backup of PostgreSQL with a pg_dump older than the server', () => {
  it('fails before dumping, naming both versions, and writes no dump', async () => {
    // A pg_dump from PostgreSQL 9.6 first on PATH: older than any server this suite runs against.
    const bin = await mkdtemp(join(tmpdir(), 'opsbot-old-pg-dump-'));
    await writeFile(join(bin, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 9.6.24"\n', { mode: 0o755 });
    const before = (await readdir(dumps)).length;
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      await stack.slack.command('dave', '/backup ledger');
      const failed = await finished('Backup of ledger', 'failed');
      expect(failed.text).toMatch(/pg_dump 9\.6\.24 cannot dump this PostgreSQL \d+\.\d+.* server/);
      expect(failed.text).toMatch(/must be at least the server's \(\d+\)/);
    } finally {
      process.env.PATH = path;
    }
    await eventually(async () =>
      expect(
        (await auditRows(stack, "action = 'backup.result' AND decision = 'failed' AND target = 'ledger'")).map(
          (row) => row.reason,
        ),
      ).toEqual([expect.stringContaining('pg_dump 9.6.24 cannot dump')]),
    );
    expect((await readdir(dumps)).length).toBe(before);
  });
});
