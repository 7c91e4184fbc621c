// What `/ops status` shows of one job, whichever queue holds it (jobs/queues.ts reads it from BullMQ).
export type JobState = 'active' | 'waiting' | 'prioritized' | 'delayed' | 'waiting-children' | 'completed' | 'failed';

export type JobSummary = {
  id: string;
  kind: string;
  state: JobState | 'unknown';
  requestedBy: string | undefined;
  command: string | undefined;
  createdAt: Date;
  finishedAt: Date | undefined;
  progress: unknown;
  failedReason: string | undefined;
  attemptsMade: number;
  // How the change itself ended, for a job BullMQ calls "completed" (a deploy that failed and rolled
  // back completes as a job): succeeded, failed, rolled-back, cancelled, aborted, refused; or, for one
  // it calls "failed" because its worker died for good, interrupted.
  outcome?: { decision: string; detail: string } | undefined;
  // A plan job that posted an approval request: which one (its state is the request's).
  approvalId?: string | undefined;
};
