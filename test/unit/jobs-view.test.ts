import { describe, expect, it } from '@jest/globals';
import { jobStatusView } from '../../src/bot/views/jobs.ts';
import type { JobSummary } from '../../src/core/job-summary.ts';

const JOB: JobSummary = {
  id: 'deploy-1',
  kind: 'deploy',
  state: 'failed',
  requestedBy: 'U1',
  command: '/deploy checkout 1.1.0 to staging',
  createdAt: new Date(0),
  finishedAt: new Date(60_000),
  progress: undefined,
  failedReason: 'job stalled more than allowable limit',
  attemptsMade: 1,
};

describe('/ops status of one job', () => {
  it('says a change whose worker died for good was interrupted, and why', () => {
    const why = 'the worker running it stopped twice; the cluster may be mid-rollout';
    const shown = jobStatusView({ ...JOB, outcome: { decision: 'interrupted', detail: why } }, new Date(120_000));
    expect(shown.text).toBe('Job deploy-1: interrupted');
    expect(JSON.stringify(shown.blocks)).toContain(':warning: interrupted');
    expect(JSON.stringify(shown.blocks)).toContain(why);
  });

  it("keeps the queue's word for a failed job that carries no outcome", () => {
    expect(jobStatusView(JOB, new Date(120_000)).text).toBe('Job deploy-1: failed');
  });
});
