import { section, view, type View } from '../bot/views/blocks.ts';
import { kindOfJobId } from '../core/ids.ts';
import { holdsRole } from '../core/roles.ts';
import { UserError } from '../core/user-error.ts';
import { currentContext } from '../adapters/log.ts';
import { applyApprovalEvent } from '../jobs/approval-effects.ts';
import { identify } from './authorize.ts';
import type { HandlerDeps } from './deps.ts';
import { withQueue } from './queue-errors.ts';

function done(text: string): View {
  return view(text, [section(`:octagonal_sign: ${text}`)]);
}

// Cancel, whatever state the job is in: queued → removed; awaiting approval → the request is
// cancelled; running → the job is told to stop (it stops following and says what is left in the
// cluster). Only the requester, an admin, or (for a running deploy) anyone who may deploy.
export async function cancelJob(deps: HandlerDeps, jobId: string, userId: string): Promise<View> {
  const kind = kindOfJobId(jobId);
  if (kind !== 'plan' && kind !== 'deploy')
    throw new UserError(`Job \`${jobId}\` is not something that can be cancelled (only deploys and their plans).`, {
      code: 'not_cancellable',
    });
  const job = await withQueue('read', () => deps.queues.queue(kind).getJob(jobId));
  const approvalId = kind === 'plan' ? await deps.approvals.findByPlanJob(jobId) : undefined;
  if (!job && !approvalId)
    throw new UserError(`There is no job \`${jobId}\` (finished jobs are kept 7 days).`, { code: 'unknown_job' });
  const requester = (job?.data as { requestedBy?: { userId?: string } } | undefined)?.requestedBy?.userId;
  const identity = await identify(deps, userId);
  const isAdmin = holdsRole(identity, deps.catalog.roles, 'admin');
  const state = job ? await job.getState() : 'completed';
  const mayStopRunning = state === 'active' && kind === 'deploy' && holdsRole(identity, deps.catalog.roles, 'deploy');
  if (userId !== requester && !isAdmin && !mayStopRunning)
    throw new UserError(`Only <@${requester ?? '?'}> (who asked) or an ops-bot admin can cancel \`${jobId}\`.`, {
      code: 'not_requester',
    });
  const audit = (decision: string, reason: string) =>
    deps.audit.record({
      event: 'cancel',
      decision,
      actor: userId,
      correlationId: currentContext()?.correlationId ?? 'none',
      action: `${kind}.cancel`,
      jobId,
      reason,
    });
  if (approvalId) {
    const result = await applyApprovalEvent(
      deps,
      approvalId,
      { type: 'cancel', actor: identity, isAdmin, at: deps.now() },
      userId,
      currentContext()?.correlationId ?? 'none',
    );
    if (result?.decision.answer.accepted) return done('Cancelled the approval request. Nothing was changed.');
  }
  if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
    await job!.remove();
    await audit('cancelled', `removed while ${state}`);
    return done(`Cancelled \`${jobId}\` before it started. Nothing was changed.`);
  }
  if (state === 'active' && kind === 'deploy') {
    await deps.signals.send(jobId, 'cancel', userId);
    await audit('requested', 'asked the running deploy to stop');
    return done(`Asked \`${jobId}\` to stop. It stops following the rollout and reports what is left in the cluster.`);
  }
  const already = state === 'completed' || state === 'failed' ? 'finished' : `moved on (${state})`;
  throw new UserError(`\`${jobId}\` has already ${already}; there is nothing to cancel.`, { code: 'not_cancellable' });
}
