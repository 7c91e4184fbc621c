import { type AuditEntry } from '../core/audit.ts';
import type { ApprovalRecord, ApprovalStore, TransitionResult } from '../adapters/approval-store.ts';
import { decide, type ApprovalEvent, type Decision } from '../core/approval.ts';
import { planTarget } from '../core/plan.ts';
import type { JobQueues } from './queues.ts';

// The audit rows a decision writes, in the same transaction as the decision: accepted ones as the
// event they are (approve, reject, withdraw, cancel, expire), refused ones with their reason.
function auditRows(
  event: ApprovalEvent,
  actor: string,
  correlationId: string,
): (record: ApprovalRecord, decision: Decision) => AuditEntry[] {
  return (record, decision) => {
    if (event.type === 'expire' && !decision.answer.accepted) return [];
    return [
      {
        event: event.type,
        decision: decision.answer.accepted ? decision.answer.code : 'refused',
        actor,
        correlationId,
        channel: record.channel,
        action: `${record.kind}.approval`,
        target: planTarget(record.plan),
        planHash: record.request.planHash,
        permalink: record.permalink,
        jobId: ranOrMeantTo(event, decision) ? record.executionJobId : record.planJobId,
        reason: reasonOf(event, record, decision),
        details: {
          approvalId: record.request.id,
          code: decision.answer.code,
          ...('via' in event ? { via: event.via } : {}),
          ...rejectionReason(event),
          version: decision.request.version,
        },
      },
    ];
  };
}

// The reason a person gave with Reject (the form's; ❌ and an empty form give none), asked for or refused.
function rejectionReason(event: ApprovalEvent): { reason?: string } {
  return event.type === 'reject' && event.reason ? { reason: event.reason } : {};
}

function ranOrMeantTo(event: ApprovalEvent, decision: Decision): boolean {
  return event.type === 'not-run' || decision.effects.some((effect) => effect.type === 'execute');
}

function reasonOf(event: ApprovalEvent, record: ApprovalRecord, decision: Decision): string | undefined {
  if (!decision.answer.accepted) return decision.answer.message;
  if (event.type === 'not-run' || event.type === 'supersede') return decision.answer.message;
  if (record.breakGlass) return `BREAK-GLASS: ${record.breakGlass}`;
  return event.type === 'reject' ? event.reason : undefined;
}

// The job data of an approved change, from its stored request: what the approval and the sweeper enqueue.
export function approvedChangeData(record: ApprovalRecord) {
  return {
    correlationId: record.correlationId,
    requestedBy: { userId: record.request.requester, ...(record.team ? { teamId: record.team } : {}) },
    channelId: record.channel,
    requestedAt: record.createdAt.toISOString(),
    plan: record.plan,
    planHash: record.request.planHash,
    approvalId: record.request.id,
  };
}

export type ApprovalDeps = { approvals: ApprovalStore; queues: JobQueues };

// Decide atomically, then carry the effects out. The execution job id comes from the approval id,
// so an enqueue repeated after a crash adds nothing.
export async function applyApprovalEvent(
  deps: ApprovalDeps,
  approvalId: string,
  event: ApprovalEvent,
  actor: string,
  correlationId: string,
): Promise<TransitionResult | undefined> {
  const result = await deps.approvals.transition(
    approvalId,
    (record) => decide(record.request, event),
    auditRows(event, actor, correlationId),
  );
  if (!result) return undefined;
  const { record, decision } = result;
  for (const effect of decision.effects) {
    if (effect.type === 'execute' && record.executionJobId) {
      await deps.queues.enqueueChange(record.executionJobId, approvedChangeData(record));
    }
    if (effect.type === 'refresh-message') {
      await deps.queues.enqueue(
        'approval-message',
        `approval-message-${approvalId.slice(4)}-v${decision.request.version}`,
        { correlationId, approvalId },
      );
    }
    if (effect.type === 'cancel-expiry')
      await deps.queues.remove('approval-expire', `approval-expire-${approvalId.slice(4)}`).catch(() => undefined);
  }
  // App Homes list who still has to decide: a stale Home is only stale, so its refresh never fails the decision.
  if (decision.answer.accepted) await deps.queues.refreshHomes(correlationId).catch(() => undefined);
  return result;
}
