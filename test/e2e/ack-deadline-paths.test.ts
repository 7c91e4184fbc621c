import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { IMAGE, auditRows, currentImage, realPatches, seedCheckout } from '../support/approvals.ts';
import { testCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { totalJobs } from '../support/queue-totals.ts';
import { POSTGRES_URL, databaseUrl, uniqueName } from '../support/services.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

// Every path that answers Slack after reading or writing PostgreSQL shares the ack deadline with the
// cluster: with PostgreSQL black-holed (it accepts, never answers) and the cluster slower than any
// budget, each answers in its body, in time — Bolt would answer 404 at 3 s if nothing acked — and
// nothing is queued or changed. No timing is asserted: an ack body arriving at all is the proof.
const SLOW_CLUSTER_MS = 2_000;
const AUDIT_REFUSAL = 'cannot write its audit log right now, so it will not start anything. Nothing was changed.';
const RECORDS_REFUSAL = 'cannot read its records right now, so it will not start anything. Nothing was changed.';
const BACKUP_ID = 'orders-20260101-000000-abcdef';

function catalog(): string {
  return `${testCatalog()}  restore: ["@dba"]
databases:
  orders: { engine: rds-instance, identifier: orders-prod, region: eu-central-1, environment: production }
`;
}

let stack: Stack;
let proxy: TcpProxy;
let jobsBefore: number;

beforeAll(async () => {
  const postgres = new URL(POSTGRES_URL);
  proxy = new TcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) });
  const port = await proxy.start();
  const url = new URL(databaseUrl(uniqueName('opsbot_test')));
  url.port = String(port);
  stack = await startStack({ catalogYaml: catalog(), databaseUrl: url.toString() });
  seedCheckout(stack);
  stack.rds.addInstance('orders-prod');
  await stack.bot.pool.query(
    `INSERT INTO backups (id, database, engine, env, status, requested_by, job_id, location, retain_until)
     VALUES ($1, 'orders', 'rds-instance', 'production', 'available', 'U0DAVE0004', 'backup-1', $1, now() + interval '1 day')`,
    [BACKUP_ID],
  );
});

beforeEach(async () => {
  await healPostgres();
  jobsBefore = await totalJobs(stack.bot);
  stack.kube.prod.slowDown(SLOW_CLUSTER_MS);
  proxy.blackhole();
});

afterAll(async () => {
  await healPostgres();
  await stack.close();
  await proxy.stop();
});

async function healPostgres(): Promise<void> {
  stack.kube.prod.slowDown(0);
  await proxy.cut();
  await proxy.start();
}

function nothingChanged(): Promise<void> {
  return eventually(async () => {
    expect(await totalJobs(stack.bot)).toBe(jobsBefore);
    expect(currentImage(stack)).toBe(`${IMAGE}:1.0.0`);
    expect(realPatches(stack)).toEqual([]);
  });
}

describe('PostgreSQL black-holed while the cluster is slow', () => {
  it('answers /rollback with the audit refusal, queues nothing and changes nothing', async () => {
    const answer = await stack.slack.command('bob', '/rollback checkout production');

    expect(answer.status).toBe(200);
    expect(answer.json?.response_type).toBe('ephemeral');
    expect(answer.json?.text).toContain(AUDIT_REFUSAL);
    await nothingChanged();
  });

  it('answers /restore with the records refusal, queues nothing and creates nothing', async () => {
    const answer = await stack.slack.command('dave', `/restore ${BACKUP_ID} to orders-copy`);

    expect(answer.status).toBe(200);
    expect(answer.json?.text).toContain(RECORDS_REFUSAL);
    await nothingChanged();
    expect(stack.rds.state.instances.has('orders-copy')).toBe(false);
  });

  it('answers /deploy history saying the cluster did not answer in time', async () => {
    const answer = await stack.slack.command('bob', '/deploy history checkout production');

    expect(answer.status).toBe(200);
    expect(answer.json?.text).toContain('The production cluster did not answer in time');
  });

  it('answers a read-only command that waits on PostgreSQL (/ops audit) in time, with nothing queued', async () => {
    // A connection opened before the black hole: the query on it hangs instead of failing to connect.
    await healPostgres();
    await stack.bot.pool.query('SELECT 1');
    proxy.blackhole();

    const answer = await stack.slack.command('carol', '/ops audit checkout');

    expect(answer.status).toBe(200);
    expect(answer.json?.text).toContain("could not answer this within Slack's 3 seconds");
    await nothingChanged();
  });

  it('refuses an incident form in place (the form stays open with the reason) and changes nothing', async () => {
    const answer = await stack.slack.submitView('carol', {
      callbackId: 'incident_severity_modal',
      privateMetadata: JSON.stringify({ incidentId: 'inc-0001', channel: 'C0DEPLOYS01' }),
      values: { severity: { value: { type: 'static_select', selected_option: { value: 'P2' } } } },
    });

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      response_action: 'errors',
      errors: { severity: expect.stringContaining(RECORDS_REFUSAL) },
    });
    await nothingChanged();
  });
});

describe('PostgreSQL black-holed, the cluster quick', () => {
  it('answers /deploy history from the cluster and says the release ledger did not answer', async () => {
    stack.kube.prod.slowDown(0);

    const answer = await stack.slack.command('bob', '/deploy history checkout production');

    expect(answer.status).toBe(200);
    expect(answer.json?.text).toContain('Deploy history of checkout in production');
    // Not "outside ops-bot": unread is not unknown to ops-bot. And no button without knowing what was good.
    expect(answer.json?.text).toMatch(/`1\.0\.0` rev 1 · created .* · who and why unknown/);
    expect(answer.json?.text).not.toContain('outside ops-bot');
    const blocks = JSON.stringify(answer.json?.blocks);
    expect(blocks).toContain('The release ledger did not answer in time');
    expect(blocks).not.toContain('rollback_to');
  });
});

describe('a form whose private_metadata is not what ops-bot wrote', () => {
  it('is refused in place with a clear error, not a crash', async () => {
    await healPostgres();

    const restore = await stack.slack.submitView('dave', {
      callbackId: 'restore_modal',
      privateMetadata: '{not json',
      values: { target: { value: { type: 'plain_text_input', value: 'orders-copy' } } },
    });
    const severity = await stack.slack.submitView('carol', {
      callbackId: 'incident_severity_modal',
      privateMetadata: 'null',
      values: { severity: { value: { type: 'static_select', selected_option: { value: 'P2' } } } },
    });

    expect(restore.json).toEqual({
      response_action: 'errors',
      errors: { target: expect.stringContaining('no longer says which backup it restores') },
    });
    expect(severity.json).toEqual({
      response_action: 'errors',
      errors: { severity: expect.stringContaining('no longer says which incident it is about') },
    });
    expect(await auditRows(stack, "action LIKE 'restore.%'")).toEqual([]);
  });
});
