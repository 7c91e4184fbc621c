import type { Logger } from 'pino';
import type { ApprovalStore } from '../adapters/approval-store.ts';
import { approvedChangeData } from './approval-effects.ts';
import type { JobQueues } from './queues.ts';

const EVERY_MS = 60_000;
const GRACE_MS = 30_000;

// An approval commits before its execution is enqueued; a crash in between would leave an approved
// change that never starts. This re-enqueues such changes. The job id comes from the approval id, so
// an enqueue of a job that exists (waiting, running, finished or failed) adds nothing.
export async function sweepApprovedChanges(
  approvals: ApprovalStore,
  queues: JobQueues,
  logger: Logger,
  now: () => Date,
): Promise<string[]> {
  const enqueued: string[] = [];
  for (const record of await approvals.approvedNotStarted(new Date(now().getTime() - GRACE_MS))) {
    if (!record.executionJobId) continue;
    await queues.enqueueChange(record.executionJobId, approvedChangeData(record));
    enqueued.push(record.executionJobId);
    logger.info(
      { approvalId: record.request.id, jobId: record.executionJobId },
      'approved change had not started; enqueued it (again)',
    );
  }
  return enqueued;
}

export function startApprovalSweeper(
  approvals: ApprovalStore,
  queues: JobQueues,
  logger: Logger,
  now: () => Date,
): () => void {
  const sweep = () => sweepApprovedChanges(approvals, queues, logger, now);
  const timer = setInterval(
    () => void sweep().catch((error: unknown) => logger.warn({ err: error }, 'approval sweep failed')),
    EVERY_MS,
  );
  timer.unref();
  return () => clearInterval(timer);
}
