import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AuditEntry } from '../../src/core/audit.ts';
import { jobAudit, jobResult } from '../../src/jobs/job-audit.ts';
import type { JobEnvelope } from '../../src/jobs/job-data.ts';
import { openStores, type StoreFixture } from '../support/store-fixture.ts';

let fixture: StoreFixture;

beforeAll(async () => {
  fixture = await openStores('opsbot_interrupted');
});

afterAll(async () => {
  await fixture.close();
});

function row(jobId: string, event: string, decision: string): AuditEntry & { jobId: string; action: string } {
  return {
    event,
    decision,
    actor: 'U1',
    correlationId: 'c-1',
    action: `deploy.${event}`,
    target: 'checkout/staging',
    jobId,
    reason: event === 'result' ? 'the worker running it stopped twice' : undefined,
  };
}

async function results(jobId: string): Promise<string[]> {
  const { rows } = await fixture.pool.query<{ decision: string }>(
    "SELECT decision FROM audit_events WHERE job_id = $1 AND action = 'deploy.result' ORDER BY id",
    [jobId],
  );
  return rows.map((found) => found.decision);
}

describe('the audit log as the arbiter of an interrupted result', () => {
  it('writes one result however many workers see the failure at once', async () => {
    await fixture.audit.record(row('deploy-a', 'start', 'started'));

    const written = await Promise.all(
      Array.from({ length: 6 }, () => fixture.audit.recordMissingResult(row('deploy-a', 'result', 'interrupted'))),
    );

    expect(written.filter(Boolean)).toHaveLength(1);
    expect(await results('deploy-a')).toEqual(['interrupted']);
  });

  it('writes nothing when the processor recorded the result itself', async () => {
    await fixture.audit.record(row('deploy-b', 'start', 'started'));
    await fixture.audit.record(row('deploy-b', 'result', 'failed'));

    expect(await fixture.audit.recordMissingResult(row('deploy-b', 'result', 'interrupted'))).toBe(false);
    expect(await results('deploy-b')).toEqual(['failed']);
  });

  it('writes nothing for a job that never started (refused before its start row)', async () => {
    expect(await fixture.audit.recordMissingResult(row('deploy-c', 'result', 'interrupted'))).toBe(false);
    expect(await results('deploy-c')).toEqual([]);
  });
});

describe('two runs of one change (its job lock expired during a Redis failover)', () => {
  it('records the first run’s result only; the second learns it was superseded', async () => {
    const envelope: JobEnvelope = {
      requestedBy: { userId: 'U1', teamId: 'T1' },
      correlationId: 'c-2',
      channelId: 'C1',
      requestedAt: new Date().toISOString(),
    };
    const subject = { kind: 'deploy', target: 'checkout/staging' };
    await jobAudit(fixture.audit, envelope, 'deploy-d', subject)('start', 'started');
    const once = jobResult(fixture.audit, envelope, 'deploy-d', subject);

    const [first, second] = await Promise.all([once('succeeded', 'rolled out'), once('failed', 'timed out')]);

    expect([first, second].sort()).toEqual([false, true]);
    expect(await results('deploy-d')).toHaveLength(1);
  });
});
