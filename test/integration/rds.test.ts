import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RdsError, RdsGateway } from '../../src/adapters/rds.ts';
import { RdsSimulator } from '../../src/sandbox/rds/simulator.ts';
import { eventually } from '../support/eventually.ts';

// The real @aws-sdk/client-rds against the RDS simulator: query serialisation, XML answers, faults.
const sim = new RdsSimulator({ snapshotMs: 150, restoreMs: 100 });
let rds: RdsGateway;

beforeAll(async () => {
  await sim.start();
  rds = new RdsGateway({
    endpoint: sim.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  sim.addInstance('orders-prod');
  sim.addCluster('analytics-prod');
});

afterAll(async () => sim.stop());

describe('RDS through the real SDK', () => {
  it('takes an instance snapshot with tags that progresses to available', async () => {
    const created = await rds.createSnapshot(
      'eu-central-1',
      'rds-instance',
      'orders-prod',
      'orders-20261123-101500-abc123',
      { 'created-by': 'ops-bot', 'requested-by': 'U1' },
    );
    expect(created).toMatchObject({
      id: 'orders-20261123-101500-abc123',
      source: 'orders-prod',
      status: 'creating',
      tags: { 'created-by': 'ops-bot', 'requested-by': 'U1' },
    });
    expect(sim.calls.at(-1)!.params).toMatchObject({ Action: 'CreateDBSnapshot', 'Tags.Tag.1.Key': 'created-by' });
    const done = await eventually(async () => {
      const state = await rds.snapshot('eu-central-1', 'rds-instance', created.id);
      expect(state?.status).toBe('available');
      return state!;
    });
    expect(done.percent).toBe(100);
  });

  it('takes an Aurora cluster snapshot', async () => {
    const created = await rds.createSnapshot(
      'eu-central-1',
      'rds-cluster',
      'analytics-prod',
      'analytics-20261123-101500-abc123',
      { 'created-by': 'ops-bot' },
    );
    expect(created.source).toBe('analytics-prod');
    expect(await rds.snapshots('eu-central-1', 'rds-cluster', 'analytics-prod')).toHaveLength(1);
  });

  it('maps RDS faults to their codes', async () => {
    await expect(rds.createSnapshot('eu-central-1', 'rds-instance', 'nope', 'x-1', {})).rejects.toMatchObject({
      code: 'DBInstanceNotFound',
      status: 404,
    });
    await expect(
      rds.createSnapshot('eu-central-1', 'rds-instance', 'orders-prod', 'orders-20261123-101500-abc123', {}),
    ).rejects.toMatchObject({ code: 'DBSnapshotAlreadyExists' });
    sim.deny('CreateDBSnapshot');
    const denied = await rds
      .createSnapshot('eu-central-1', 'rds-instance', 'orders-prod', 'x-2', {})
      .catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(RdsError);
    expect(denied).toMatchObject({ code: 'AccessDenied', status: 403 });
    sim.state.snapshotQuota = 1;
    await expect(rds.createSnapshot('eu-central-1', 'rds-instance', 'orders-prod', 'x-3', {})).rejects.toMatchObject({
      code: 'SnapshotQuotaExceeded',
    });
    sim.state.snapshotQuota = 100;
  });

  it('restores into a new instance that becomes available with an endpoint, and refuses an existing name', async () => {
    await rds.restore('eu-central-1', 'rds-instance', 'orders-20261123-101500-abc123', 'orders-restored', {
      tags: { 'created-by': 'ops-bot' },
    });
    const ready = await eventually(async () => {
      const state = await rds.resource('eu-central-1', 'rds-instance', 'orders-restored');
      expect(state?.status).toBe('available');
      return state!;
    });
    expect(ready.endpoint).toBe('orders-restored.c0ffee.eu-central-1.rds.amazonaws.com:5432');
    await expect(
      rds.restore('eu-central-1', 'rds-instance', 'orders-20261123-101500-abc123', 'orders-prod', { tags: {} }),
    ).rejects.toMatchObject({ code: 'DBInstanceAlreadyExists' });
    await rds.deleteScratch('eu-central-1', 'rds-instance', 'orders-restored');
    await eventually(async () =>
      expect(await rds.resource('eu-central-1', 'rds-instance', 'orders-restored')).toBeUndefined(),
    );
  });
});
