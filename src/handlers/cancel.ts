import { section, view, type View } from '../bot/views/blocks.ts';
import { CANCEL_ROLE, CANCEL_RULE, mayCancel, type ChangeKind } from '../core/cancel-rule.ts';
import { kindOfJobId } from '../core/ids.ts';
import { describePeople } from '../core/people.ts';
import { UserError } from '../core/user-error.ts';
import { currentContext } from '../adapters/log.ts';
import { applyApprovalEvent } from '../jobs/approval-effects.ts';
import { identify } from './authorize.ts';
import type { HandlerDeps } from './deps.ts';
import { withQueue } from './queue-errors.ts';

type Job = NonNullable<Awaited<ReturnType<ReturnType<HandlerDeps['queues']['queue']>['getJob']>>>;

type CancellableKind = 'plan' | 'deploy' | 'rollback';
const CANCELLABLE: readonly string[] = ['plan', 'deploy', 'rollback'];

function done(text: string): View {
  return view(text, [section(`:octagonal_sign: ${text}`)]);
}

type JobFacts = { requester: string | undefined; change: ChangeKind };

// Who asked, and which change the job is: a plan job carries the change it plans.
function factsOf(job: Job | undefined, kind: CancellableKind): JobFacts {
  const data = job?.data as { requestedBy?: { userId?: string }; change?: { kind?: string } } | undefined;
  const planned = data?.change?.kind;
  const change: ChangeKind =
    kind !== 'plan' ? kind : planned === 'rollback' || planned === 'restore' ? planned : 'deploy';
  return { requester: data?.requestedBy?.userId, change };
}

// The refusal names who may, from the catalog, and quotes the one rule /ops whoami and /ops help state.
function refusal(deps: HandlerDeps, jobId: string, facts: JobFacts): UserError {
  const role = CANCEL_ROLE[facts.change];
  const roles = deps.catalog.roles;
  const asker = facts.requester ? `<@${facts.requester}> (who asked), ` : '';
  const holders = `the \`${role}\` role (${describePeople(roles[role] ?? [])})`;
  const admins = `admins (${describePeople(roles.admin ?? [])})`;
  return new UserError(`You may not cancel \`${jobId}\`: only ${asker}${holders} or ${admins} may.`, {
    hint: CANCEL_RULE,
    code: 'not_requester',
  });
}

// Cancel, whatever state the job is in: queued → removed; awaiting approval → the request is
// cancelled; running → the job is told to stop and put back the revision it started from (with
// `leave`, to stop following and leave the cluster as it is). Who may: core/cancel-rule.ts.
export async function cancelJob(
  deps: HandlerDeps,
  jobId: string,
  userId: string,
  options: { leave?: boolean } = {},
): Promise<View> {
  const kind = kindOfJobId(jobId);
  if (kind === undefined || !CANCELLABLE.includes(kind))
    throw new UserError(
      `Job \`${jobId}\` is not something that can be cancelled (only deploys, rollbacks and plans).`,
      {
        code: 'not_cancellable',
      },
    );
  const cancellable = kind as CancellableKind;
  const job = await withQueue('read', () => deps.queues.queue(cancellable).getJob(jobId));
  const approvalId = kind === 'plan' ? await deps.approvals.findByPlanJob(jobId) : undefined;
  if (!job && !approvalId)
    throw new UserError(`There is no job \`${jobId}\` (finished jobs are kept 7 days).`, { code: 'unknown_job' });
  const record = approvalId && !job ? await deps.approvals.get(approvalId) : undefined;
  const facts = record ? { requester: record.request.requester, change: record.kind } : factsOf(job, cancellable);
  const identity = await identify(deps, userId);
  if (!mayCancel(identity, facts.requester, deps.catalog.roles, facts.change)) {
    const refused = refusal(deps, jobId, facts);
    await cancelAudit(deps, cancellable, jobId, userId)('refused', refused.message);
    throw refused;
  }
  if (approvalId) {
    // The cancel rule was checked above; the request's own check (requester or admin) is a subset of it.
    const event = { type: 'cancel' as const, actor: identity, isAdmin: true, at: deps.now() };
    const correlationId = currentContext()?.correlationId ?? 'none';
    const result = await applyApprovalEvent(deps, approvalId, event, userId, correlationId);
    if (result?.decision.answer.accepted) return done('Cancelled the approval request. Nothing was changed.');
  }
  const state = job ? await job.getState() : 'completed';
  return stopJob(deps, { job, jobId, kind: cancellable, state, userId, leave: options.leave === true });
}

function cancelAudit(deps: HandlerDeps, kind: CancellableKind, jobId: string, userId: string) {
  return (decision: string, reason: string) =>
    deps.audit.record({
      event: 'cancel',
      decision,
      actor: userId,
      correlationId: currentContext()?.correlationId ?? 'none',
      action: `${kind}.cancel`,
      jobId,
      reason,
    });
}

type Stop = {
  job: Job | undefined;
  jobId: string;
  kind: CancellableKind;
  state: string;
  userId: string;
  leave: boolean;
};

async function stopJob(deps: HandlerDeps, stop: Stop): Promise<View> {
  const { job, jobId, kind, state, userId } = stop;
  const audit = cancelAudit(deps, kind, jobId, userId);
  if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
    await job.remove();
    await audit('cancelled', `removed while ${state}`);
    return done(`Cancelled \`${jobId}\` before it started. Nothing was changed.`);
  }
  if (state === 'active' && kind !== 'plan') {
    await deps.signals.send(jobId, 'cancel', userId, { leave: stop.leave });
    const asked = stop.leave ? 'to stop following and leave the cluster as it is' : 'to stop and put back';
    await audit('requested', `asked the running ${kind} ${asked}`);
    const then = stop.leave
      ? 'It stops following and its message says what is left in the cluster.'
      : 'It puts back the revision it started from; its message says what the cluster runs once done.';
    return done(`Asked \`${jobId}\` to stop. ${then}`);
  }
  const already = state === 'completed' || state === 'failed' ? 'finished' : `moved on (${state})`;
  throw new UserError(`\`${jobId}\` has already ${already}; there is nothing to cancel.`, { code: 'not_cancellable' });
}
