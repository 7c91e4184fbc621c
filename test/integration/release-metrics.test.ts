import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ReleaseLedger, type NewRelease } from '../../src/adapters/release-ledger.ts';
import { inTransaction } from '../../src/adapters/postgres.ts';
import type { FinishedRelease } from '../../src/core/delivery.ts';
import { openStores, type StoreFixture } from '../support/store-fixture.ts';

// The Prometheus series hear of a release's outcome once: when the write that set it committed.
let fixture: StoreFixture;
let ledger: ReleaseLedger;
const heard: FinishedRelease[] = [];

beforeAll(async () => {
  fixture = await openStores('opsbot_release_metrics');
  ledger = new ReleaseLedger(fixture.pool, (release) => heard.push(release));
});

afterAll(async () => {
  await fixture.close();
});

function release(jobId: string): NewRelease {
  return {
    kind: 'deploy',
    service: 'checkout',
    env: 'production',
    context: 'prod',
    namespace: 'shop',
    deployment: 'checkout',
    image: 'registry.example.com/shop/checkout:1.4.2',
    version: '1.4.2',
    strategy: 'rolling',
    requester: 'U0BOB00002',
    approvers: ['U0CAROL003'],
    approvedAt: new Date('2026-11-30T10:05:00Z'),
    reason: undefined,
    jobId,
    incidentChannel: undefined,
    requestedAt: new Date('2026-11-30T10:00:00Z'),
    rolledBackFrom: undefined,
  };
}

async function finish(jobId: string, fail = false): Promise<void> {
  const write = ledger.finishing({ jobId, outcome: 'succeeded', detail: 'rolled out' });
  await inTransaction(fixture.pool, async (client) => {
    await write.write(client);
    if (fail) throw new Error('the audit row could not be written');
  });
  write.committed();
}

describe('a release outcome as observed for metrics', () => {
  it('is heard once, with its request and approval times, however often the job records it', async () => {
    await inTransaction(fixture.pool, (client) => ledger.start(client, release('deploy-once')));
    await finish('deploy-once');
    await finish('deploy-once');
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({
      service: 'checkout',
      env: 'production',
      outcome: 'succeeded',
      requestedAt: new Date('2026-11-30T10:00:00Z'),
      approvedAt: new Date('2026-11-30T10:05:00Z'),
    });
  });

  it('is not heard when the transaction that set it rolled back', async () => {
    heard.length = 0;
    await inTransaction(fixture.pool, (client) => ledger.start(client, release('deploy-rolled-back')));
    await expect(finish('deploy-rolled-back', true)).rejects.toThrow('could not be written');
    expect(heard).toEqual([]);
    await finish('deploy-rolled-back');
    expect(heard).toHaveLength(1);
  });
});
