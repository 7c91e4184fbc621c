import type { Alongside, AuditStore } from '../adapters/audit-store.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from './job-data.ts';

// A change job's audit rows share who asked, where, which job and what it changes; each row adds
// only the event, the decision, why, and details of its own.
export type JobAudit = (
  event: string,
  decision: string,
  reason?: string,
  details?: Record<string, unknown>,
  // Written in the audit row's transaction (the release ledger's row of this stage).
  alongside?: Alongside,
) => Promise<number>;

export type AuditSubject = {
  // `deploy`, `rollback`, `backup`, `restore`: the row's action is `<kind>.<event>`.
  kind: string;
  target: string;
  planHash?: string | undefined;
  // Details every row of this job carries (a row's own details are added to them).
  details?: Record<string, unknown>;
};

export function jobAudit(audit: AuditStore, data: JobEnvelope, jobId: string, subject: AuditSubject): JobAudit {
  return (event, decision, reason, details = {}, alongside) => {
    const entry = entryOf(data, jobId, subject, { event, decision, reason, details });
    return alongside ? audit.recordWith(entry, alongside) : audit.record(entry);
  };
}

// The result row of a change, written only if no run of the job wrote one yet (decided under the
// advisory lock of AuditStore.recordMissingResult). Two runs of one job happen when a worker loses
// its job lock while it still runs — Redis away, or failed over, for longer than JOB_LOCK_MS — and
// BullMQ hands the job to another worker: the audit log, not Redis, decides whose outcome counts.
export type JobResult = (
  decision: string,
  reason: string,
  details?: Record<string, unknown>,
  alongside?: Alongside,
) => Promise<boolean>;

export function jobResult(audit: AuditStore, data: JobEnvelope, jobId: string, subject: AuditSubject): JobResult {
  return (decision, reason, details = {}, alongside) =>
    audit.recordMissingResult(entryOf(data, jobId, subject, { event: 'result', decision, reason, details }), alongside);
}

function entryOf(
  data: JobEnvelope,
  jobId: string,
  subject: AuditSubject,
  row: { event: string; decision: string; reason: string | undefined; details: Record<string, unknown> },
) {
  const { event, decision, reason, details } = row;
  return {
    event,
    decision,
    actor: data.requestedBy.userId,
    correlationId: data.correlationId,
    channel: data.channelId,
    action: `${subject.kind}.${event}`,
    target: subject.target,
    jobId,
    planHash: subject.planHash,
    reason,
    details: { ...subject.details, ...details },
  };
}

// A step between a change's start row and the part of it that records its own result (taking the
// target's lock): when it refuses or fails, that is the change's result, so a start never stays
// without one. A result row that cannot be written is left to jobs/interrupted.ts.
export async function resultIfStopped<T>(audit: JobAudit, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const decision = error instanceof UserError ? 'refused' : 'failed';
    await audit('result', decision, error instanceof Error ? error.message : String(error)).catch(() => undefined);
    throw error;
  }
}
