import type { ApprovalStatus } from '../core/approval.ts';
import { withinBudget } from '../core/deadline.ts';
import type { JobSummary } from '../core/job-summary.ts';
import type { HandlerDeps } from './deps.ts';

// A plan job "completes" once it has posted its approval request, whatever then becomes of the request:
// /ops status shows the request's state, so a cancelled or superseded request does not read "completed".
const WORDS: Record<ApprovalStatus, string> = {
  pending: 'waiting for approval',
  approved: 'approved',
  rejected: 'rejected',
  expired: 'expired',
  cancelled: 'cancelled',
  'not-run': 'not run',
  superseded: 'superseded',
};

// The approval store is read briefly: an answer without the request's state beats no answer.
const READ_MS = 500;

export async function withRequestStates(deps: HandlerDeps, jobs: JobSummary[]): Promise<JobSummary[]> {
  return Promise.all(jobs.map((job) => withRequestState(deps, job)));
}

async function withRequestState(deps: HandlerDeps, job: JobSummary): Promise<JobSummary> {
  if (!job.approvalId || job.state !== 'completed') return job;
  const record = await withinBudget(
    deps.approvals.get(job.approvalId).catch(() => undefined),
    READ_MS,
  );
  if (!record) return job;
  const words = WORDS[record.request.status];
  return { ...job, outcome: { decision: `request ${words}`, detail: `its approval request was ${words}` } };
}
