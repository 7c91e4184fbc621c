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
    const entry = {
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
    return alongside ? audit.recordWith(entry, alongside) : audit.record(entry);
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
