import { z } from 'zod';
import type { LockHolder } from '../adapters/locks.ts';
import type { View } from '../bot/views/blocks.ts';
import { dryRunView } from '../bot/views/plan.ts';
import type { DeployRequest } from '../core/grammar/commands.ts';
import { jobIdFor } from '../core/ids.ts';
import { planSummary, warningDetails, type DeployPlan } from '../core/plan.ts';
import { gateFor } from '../core/policy.ts';
import { deployLockKey, serviceTarget, type ServiceTarget } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import { frozenError } from '../jobs/change-gate.ts';
import { previewOfPlan } from '../jobs/gate-preview.ts';
import { planDeploy, type DeployChange } from '../jobs/preflight.ts';
import { requireRole } from './authorize.ts';
import type { CommandHandler, CommandTurn } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { deployHistory } from './history.ts';
import { onlyGiven } from './optional-fields.ts';
import { auditReason, planQueuedView, whilePlanning } from './planning.ts';
import { AFTER_PREFLIGHT_MS, CLUSTER_BUDGET_MS, withinBudget } from './budget.ts';
import { enqueueBefore, withQueue } from './queue-errors.ts';

type RunRequest = Extract<DeployRequest, { sub: 'run' }>;
type OpenGate = Extract<ReturnType<typeof gateFor>, { verdict: 'proceed' }>;

// /deploy <service> <version> [to] <env>: everything that can be decided without the cluster is
// decided here (catalog, role, freeze, lock), pre-flight runs within a budget, and approval, when the
// environment asks for it, follows from the plan.
export function deployCommand(deps: HandlerDeps): CommandHandler {
  return async (turn) => {
    const { request } = turn;
    if (request.command !== 'deploy') return undefined;
    if (request.sub === 'history') return deployHistory(deps, request, turn.deadline);
    const target = serviceTarget(deps.catalog, request.service, request.env);
    await requireRole(deps, turn.payload.user_id, 'deploy');
    const gate = gateFor(target.env, 'deploy', request.breakGlass, deps.now());
    if (gate.verdict === 'frozen' && !request.dryRun)
      throw frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
    const jobId = jobIdFor('plan', turn.deliveryKey);
    if (request.dryRun)
      return planAndEnqueue(deps, turn, request, target, gate.verdict === 'proceed' ? gate : undefined, jobId);
    await refuseWhileChanging(deps, request);
    const what = `deploy of ${request.service} ${request.version}`;
    const reservation = { service: request.service, env: request.env, jobId, userId: turn.payload.user_id, what };
    return whilePlanning(deps, reservation, () => planAndEnqueue(deps, turn, request, target, gate as OpenGate, jobId));
  };
}

export async function refuseWhileChanging(deps: HandlerDeps, request: { service: string; env: string }): Promise<void> {
  const holder = await withQueue('read', () => deps.locks.holder(deployLockKey(request.service, request.env)));
  if (!holder) return;
  const change = await describeChange(deps, holder);
  throw new UserError(`${request.service} in ${request.env} is being changed right now by ${change}.`, {
    hint: `\`/ops status ${holder.jobId}\` follows it; try again when it has finished.`,
    code: 'locked',
  });
}

// Who is changing the target, with what, since when, and where to watch it.
async function describeChange(deps: HandlerDeps, holder: LockHolder): Promise<string> {
  const link = await progressLink(deps, holder.jobId);
  const since = `since ${holder.since.slice(11, 16)} UTC${link ? `, <${link}|progress>` : ''}`;
  return `<@${holder.userId}>: ${holder.what} (job \`${holder.jobId}\`, ${since})`;
}

async function planAndEnqueue(
  deps: HandlerDeps,
  turn: CommandTurn,
  request: RunRequest,
  target: ServiceTarget,
  gate: OpenGate | undefined,
  jobId: string,
): Promise<View> {
  const breakGlass = gate?.freeze ? request.breakGlass : undefined;
  const change = deployChangeOf(request, breakGlass);
  // Pre-flight answers in this reply when the cluster is quick, so mistakes are refused before any
  // job exists; a slow cluster must not hold Slack's 3-second ack, so then the plan job does it.
  // Its budget comes out of the ack deadline, leaving the audit write and the enqueue their share.
  const budget = turn.deadline.share(CLUSTER_BUDGET_MS, AFTER_PREFLIGHT_MS);
  const plan = await withinBudget(planDeploy(deps, change, turn.payload.user_id), budget);
  if (request.dryRun && plan) {
    const preview = await previewOfPlan(deps, plan, turn.payload.user_id);
    await turn.accept({
      action: 'deploy.dry-run',
      target: `${request.service}/${request.env}`,
      reason: planSummary(plan),
      details: { version: request.version, dryRun: true, verdict: preview.verdict, ...warningDetails(plan) },
    });
    return dryRunView(plan, preview);
  }
  await acceptDeploy(turn, request, target, { jobId, plan, gate, breakGlass });
  await enqueueBefore(deps, turn.deadline, 'plan', jobId, { ...turn.envelope(), change, ...onlyGiven({ plan }) });
  return planQueuedView(jobId, plan, `${request.service} in ${request.env}`);
}

function deployChangeOf(request: RunRequest, breakGlass: string | undefined): DeployChange {
  return {
    kind: 'deploy',
    service: request.service,
    version: request.version,
    env: request.env,
    dryRun: request.dryRun,
    ...onlyGiven({ strategy: request.strategy, reason: request.reason, breakGlass }),
  };
}

type Planned = {
  jobId: string;
  plan: DeployPlan | undefined;
  gate: OpenGate | undefined;
  breakGlass: string | undefined;
};

// Written before the plan job is queued: no audit row, no deploy.
async function acceptDeploy(
  turn: CommandTurn,
  request: RunRequest,
  target: ServiceTarget,
  planned: Planned,
): Promise<void> {
  const { jobId, plan, gate, breakGlass } = planned;
  await turn.accept(
    {
      action: request.dryRun ? 'deploy.dry-run' : 'deploy.request',
      target: `${request.service}/${request.env}`,
      jobId,
      reason: auditReason(gate?.freeze, breakGlass, request.reason),
      details: {
        version: request.version,
        strategy: request.strategy ?? target.service.strategy,
        dryRun: request.dryRun,
        ...(plan ? { plan: planSummary(plan), ...warningDetails(plan) } : {}),
        ...(breakGlass ? { breakGlass: true } : {}),
      },
    },
    { failClosed: true },
  );
}

// The running job's progress message, for the person who has to wait for it.
async function progressLink(deps: HandlerDeps, jobId: string): Promise<string | undefined> {
  const job = await deps.queues
    .queue('deploy')
    .getJob(jobId)
    .catch(() => undefined);
  const parsed = z.object({ resume: z.object({ permalink: z.string() }) }).safeParse(job?.data);
  return parsed.success ? parsed.data.resume.permalink : undefined;
}
