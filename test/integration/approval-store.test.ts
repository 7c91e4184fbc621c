import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { ApprovalStore } from '../../src/adapters/approval-store.ts';
import { decide, newApprovalRequest, type ApprovalPolicy } from '../../src/core/approval.ts';
import { planHash, type DeployPlan } from '../../src/core/plan.ts';
import { sweepApprovedChanges } from '../../src/jobs/approval-sweeper.ts';
import type { JobQueues } from '../../src/jobs/queues.ts';
import { openStores, type StoreFixture } from '../support/store-fixture.ts';

let fixture: StoreFixture;
let logger: StoreFixture['logger'];
let pool: pg.Pool;
let store: ApprovalStore;
let queues: JobQueues;

const plan: DeployPlan = {
  kind: 'deploy',
  service: 'checkout',
  env: 'production',
  context: 'prod',
  namespace: 'shop',
  deployment: 'checkout',
  container: 'app',
  strategy: 'rolling',
  replicas: 3,
  from: { image: 'r/checkout:1.0.0', revision: 1 },
  to: { image: 'r/checkout:1.1.0', version: '1.1.0' },
};
const policy: ApprovalPolicy = {
  normal: { approvers: [{ kind: 'group', handle: 'sre-leads' }], required: 2 },
  breakGlass: undefined,
  expiresAt: new Date(Date.now() + 3_600_000),
};

async function create(id: string) {
  const request = newApprovalRequest(id, 'U0REQUEST1', planHash(plan), policy);
  await store.create(
    {
      request,
      kind: 'deploy',
      env: 'production',
      target: 'checkout/production',
      team: 'T1',
      channel: 'C1',
      plan,
      breakGlass: undefined,
      freeze: undefined,
      responseUrl: undefined,
      planJobId: 'plan-1',
      correlationId: 'c-1',
    },
    { event: 'approval', decision: 'requested', actor: 'U0REQUEST1', correlationId: 'c-1' },
  );
}

beforeAll(async () => {
  fixture = await openStores('opsbot_approvals');
  store = new ApprovalStore(fixture.pool, fixture.audit);
  ({ pool, queues, logger } = fixture);
});

afterAll(async () => {
  await fixture.close();
});

describe('the approval store', () => {
  it('lets exactly one of 20 concurrent approvals reach "approved", each with its audit row', async () => {
    await create('apr-00000000000000a1');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        store.transition(
          'apr-00000000000000a1',
          (record) =>
            decide(record.request, {
              type: 'approve',
              actor: { userId: `U0APPR${index}`, groups: new Set(['sre-leads']) },
              via: 'button',
              at: new Date(),
            }),
          (record, decision) => [
            {
              event: 'approve',
              decision: decision.answer.code,
              actor: `U0APPR${index}`,
              correlationId: 'c-1',
              target: record.target,
            },
          ],
        ),
      ),
    );
    expect(
      results.filter((result) => result!.decision.effects.some((effect) => effect.type === 'execute')),
    ).toHaveLength(1);
    const stored = await store.get('apr-00000000000000a1');
    expect(stored!.request).toMatchObject({ status: 'approved', version: 2 });
    expect(stored!.request.approvals).toHaveLength(2);
    expect(stored!.executionJobId).toBe('deploy-00000000000000a1');
    const { rows } = await pool.query(
      "SELECT decision, count(*)::int AS n FROM audit_events WHERE event = 'approve' GROUP BY decision ORDER BY decision",
    );
    expect(rows).toEqual([
      { decision: 'approved', n: 1 },
      { decision: 'approved_partial', n: 1 },
      { decision: 'final', n: 18 },
    ]);
  });

  it('re-enqueues an approved change whose enqueue was lost, once, and never one that started', async () => {
    const later = () => new Date(Date.now() + 60_000);
    expect(await sweepApprovedChanges(store, queues, logger, later)).toEqual(['deploy-00000000000000a1']);
    await sweepApprovedChanges(store, queues, logger, later);
    expect((await queues.queue('deploy').getJobs(['waiting'])).map((job) => job.id)).toEqual([
      'deploy-00000000000000a1',
    ]);
    await store.markStarted('apr-00000000000000a1');
    expect(await sweepApprovedChanges(store, queues, logger, later)).toEqual([]);
  });
});
