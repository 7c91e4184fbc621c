import { type AuditEntry } from '../core/audit.ts';
import type { LockHolder } from '../adapters/locks.ts';
import { dryRunView } from '../bot/views/plan.ts';
import type { View } from '../bot/views/blocks.ts';
import { jobIdFor } from '../core/ids.ts';
import { planSummary } from '../core/plan.ts';
import { gateFor } from '../core/policy.ts';
import { deployLockKey, serviceTarget } from '../core/targets.ts';
import type { BoundRelease, ShownRollback } from '../core/rollback-button.ts';
import { UserError } from '../core/user-error.ts';
import { frozenError } from '../jobs/change-gate.ts';
import { previewOfPlan } from '../jobs/gate-preview.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import { planRollback, type RollbackChange } from '../jobs/rollback-plan.ts';
import { requireRole } from './authorize.ts';
import { runningCanary, type RunningCanary } from './canary-job.ts';
import type { CommandHandler } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { onlyGiven } from './optional-fields.ts';
import { auditReason, planQueuedView, whilePlanning } from './planning.ts';
import { AFTER_PREFLIGHT_MS, CLUSTER_BUDGET_MS, withinBudget, type AckDeadline } from './budget.ts';
import { enqueueBefore, withQueue } from './queue-errors.ts';

export type RollbackRequest = {
  service: string;
  env: string;
  to?: { revision: number } | { version: string };
  bound?: BoundRelease;
  shown?: ShownRollback;
  reason?: string;
  breakGlass?: string;
  dryRun?: boolean;
};
export type Requester = {
  envelope: JobEnvelope;
  deliveryKey: string;
  // The command's ack deadline (pre-flight, audit write and enqueue share it), or a button's longer one.
  deadline: AckDeadline;
  accept: (
    entry: Omit<AuditEntry, 'event' | 'decision' | 'actor' | 'correlationId'>,
    options: { failClosed: boolean },
  ) => Promise<void>;
};

type OpenGate = Extract<ReturnType<typeof gateFor>, { verdict: 'proceed' }>;

// /rollback, the Rollback button on a deploy message and the Rollback-to buttons of /deploy history
// all come here: the same checks, the same plan, the same gate as a deploy.
export async function requestRollback(
  deps: HandlerDeps,
  request: RollbackRequest,
  requester: Requester,
): Promise<View> {
  const target = serviceTarget(deps.catalog, request.service, request.env);
  const userId = requester.envelope.requestedBy.userId;
  await requireRole(deps, userId, 'rollback');
  // A preview looks at the lock and the gate and takes nothing: not even a running canary is touched.
  if (request.dryRun) return previewRollback(deps, request, requester);
  const holder = await withQueue('read', () => deps.locks.holder(deployLockKey(request.service, request.env)));
  if (holder) return answerWhileChanging(deps, request, holder);
  const gate = gateFor(target.env, 'rollback', request.breakGlass, deps.now());
  if (gate.verdict === 'frozen') throw frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
  const breakGlass = gate.freeze ? request.breakGlass : undefined;
  const change = rollbackChangeOf(request, breakGlass);
  const jobId = jobIdFor('plan', requester.deliveryKey);
  const what = `rollback of ${request.service} in ${request.env}`;
  const reservation = { service: request.service, env: request.env, jobId, userId, what };
  return whilePlanning(deps, reservation, () =>
    planAndEnqueue(deps, request, requester, change, jobId, gate, breakGlass),
  );
}

function rollbackChangeOf(request: RollbackRequest, breakGlass: string | undefined): RollbackChange {
  return {
    kind: 'rollback',
    service: request.service,
    env: request.env,
    dryRun: request.dryRun ?? false,
    ...onlyGiven({ to: request.to, bound: request.bound, shown: request.shown, reason: request.reason, breakGlass }),
  };
}

// A canary in progress is refused like any other change in progress, with or without `--to`: the
// person must choose to abort it (Abort, or /ops cancel), never have a rollback turn into an abort.
async function answerWhileChanging(deps: HandlerDeps, request: RollbackRequest, holder: LockHolder): Promise<View> {
  const canary = await runningCanary(deps, holder.jobId).catch(() => undefined);
  if (canary) throw canaryInProgress(request, canary);
  const change = `<@${holder.userId}>: ${holder.what} (job \`${holder.jobId}\`)`;
  throw new UserError(`${request.service} in ${request.env} is being changed right now by ${change}.`, {
    hint: `Wait for it to finish, or cancel it with \`/ops cancel ${holder.jobId}\`.`,
    code: 'locked',
  });
}

function canaryInProgress(request: RollbackRequest, canary: RunningCanary): UserError {
  const at = canary.step === 0 ? 'starting' : `at ${canary.percent} %`;
  return new UserError(
    `${request.service} has a canary in progress in ${request.env} (job \`${canary.jobId}\`, ${at}): abort it first with the Abort button or \`/ops cancel ${canary.jobId}\`. Nothing was changed.`,
    {
      hint: `Abort scales the canary to 0 and leaves stable on ${canary.stable}, which it never touched; /rollback works again once the canary has ended.`,
      code: 'canary_running',
    },
  );
}

async function previewRollback(deps: HandlerDeps, request: RollbackRequest, requester: Requester): Promise<View> {
  const userId = requester.envelope.requestedBy.userId;
  const target = serviceTarget(deps.catalog, request.service, request.env);
  const gate = gateFor(target.env, 'rollback', request.breakGlass, deps.now());
  const change = rollbackChangeOf(request, gate.freeze ? request.breakGlass : undefined);
  const budget = requester.deadline.share(CLUSTER_BUDGET_MS, AFTER_PREFLIGHT_MS);
  const plan = await withinBudget(planRollback(deps, change, userId), budget);
  if (!plan)
    throw new UserError(`The cluster of ${request.env} did not answer in time for the dry run. Nothing was changed.`, {
      hint: 'Try again in a moment.',
      code: 'dry_run_slow',
    });
  const preview = await previewOfPlan(deps, plan, userId);
  await requester.accept(
    {
      action: 'rollback.dry-run',
      target: `${request.service}/${request.env}`,
      reason: planSummary(plan),
      details: { dryRun: true, verdict: preview.verdict, ...(request.to ? { to: request.to } : {}) },
    },
    { failClosed: false },
  );
  return dryRunView(plan, preview);
}

async function planAndEnqueue(
  deps: HandlerDeps,
  request: RollbackRequest,
  requester: Requester,
  change: RollbackChange,
  jobId: string,
  gate: OpenGate,
  breakGlass: string | undefined,
): Promise<View> {
  const budget = requester.deadline.share(CLUSTER_BUDGET_MS, AFTER_PREFLIGHT_MS);
  const plan = await withinBudget(planRollback(deps, change, requester.envelope.requestedBy.userId), budget);
  await requester.accept(
    {
      action: 'rollback.request',
      target: `${request.service}/${request.env}`,
      jobId,
      reason: auditReason(gate.freeze, breakGlass, request.reason),
      details: {
        ...(plan ? { plan: planSummary(plan) } : {}),
        ...(request.to ? { to: request.to } : {}),
        ...(breakGlass ? { breakGlass: true } : {}),
      },
    },
    { failClosed: true },
  );
  await enqueueBefore(deps, requester.deadline, 'plan', jobId, {
    ...requester.envelope,
    change,
    ...onlyGiven({ plan }),
  });
  return planQueuedView(jobId, plan, `${request.service} in ${request.env}`);
}

export function rollbackCommand(deps: HandlerDeps): CommandHandler {
  return async (turn) => {
    const { request } = turn;
    if (request.command !== 'rollback') return undefined;
    const rollback = {
      service: request.service,
      env: request.env,
      to: request.to,
      reason: request.reason,
      breakGlass: request.breakGlass,
      dryRun: request.dryRun,
    };
    return requestRollback(deps, rollback, {
      envelope: turn.envelope(),
      deliveryKey: turn.deliveryKey,
      deadline: turn.deadline,
      accept: (entry, options) => turn.accept(entry, options),
    });
  };
}
