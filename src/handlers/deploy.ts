import { z } from 'zod';
import type { View } from '../bot/views/blocks.ts';
import { queuedView } from '../bot/views/jobs.ts';
import { dryRunView } from '../bot/views/plan.ts';
import { describePolicy } from '../core/approval.ts';
import type { DeployRequest } from '../core/grammar/commands.ts';
import { jobIdFor } from '../core/ids.ts';
import { planSummary } from '../core/plan.ts';
import { gateFor, utcTime } from '../core/policy.ts';
import { deployLockKey, planningKey, serviceTarget, type ServiceTarget } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import { frozenError } from '../jobs/change-gate.ts';
import { planDeploy, type DeployChange } from '../jobs/preflight.ts';
import { requireRole } from './authorize.ts';
import type { CommandHandler, CommandTurn } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { deployHistory } from './history.ts';
import { reservePlanning } from './planning.ts';
import { CLUSTER_BUDGET_MS, withinBudget } from './budget.ts';
import { withQueue } from './queue-errors.ts';

type RunRequest = Extract<DeployRequest, { sub: 'run' }>;
type OpenGate = Extract<ReturnType<typeof gateFor>, { verdict: 'proceed' }>;

// /deploy <service> <version> [to] <env>: everything that can be decided without the cluster is
// decided here (catalog, role, freeze, lock), pre-flight runs within a budget, and approval, when the
// environment asks for it, follows from the plan.
export function deployCommand(deps: HandlerDeps): CommandHandler {
  return async (turn) => {
    const { request } = turn;
    if (request.command !== 'deploy') return undefined;
    if (request.sub === 'history') return deployHistory(deps, request);
    const target = serviceTarget(deps.catalog, request.service, request.env);
    await requireRole(deps, turn.payload.user_id, 'deploy');
    const gate = gateFor(target.env, 'deploy', request.breakGlass, deps.now());
    if (gate.verdict === 'frozen') {
      if (!request.dryRun) throw frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
    }
    const holder = request.dryRun
      ? undefined
      : await withQueue('read', () => deps.locks.holder(deployLockKey(request.service, request.env)));
    if (holder) {
      const link = await progressLink(deps, holder.jobId);
      throw new UserError(
        `${request.service} in ${request.env} is being changed right now by <@${holder.userId}>: ${holder.what} (job \`${holder.jobId}\`, since ${holder.since.slice(11, 16)} UTC${link ? `, <${link}|progress>` : ''}).`,
        {
          hint: `\`/ops status ${holder.jobId}\` follows it; try again when it has finished.`,
          code: 'locked',
        },
      );
    }
    const jobId = jobIdFor('plan', turn.deliveryKey);
    if (request.dryRun)
      return planAndEnqueue(deps, turn, request, target, gate.verdict === 'proceed' ? gate : undefined, jobId);
    await reservePlanning(
      deps,
      request.service,
      request.env,
      jobId,
      turn.payload.user_id,
      `deploy of ${request.service} ${request.version}`,
    );
    try {
      return await planAndEnqueue(deps, turn, request, target, gate as OpenGate, jobId);
    } catch (error) {
      // Until the plan job exists, a failure releases the reservation that job would have released.
      await deps.locks.unreserve(planningKey(request.service, request.env), jobId).catch(() => undefined);
      throw error;
    }
  };
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
  const change: DeployChange = {
    kind: 'deploy',
    service: request.service,
    version: request.version,
    env: request.env,
    dryRun: request.dryRun,
    ...(request.strategy ? { strategy: request.strategy } : {}),
    ...(request.reason ? { reason: request.reason } : {}),
    ...(breakGlass ? { breakGlass } : {}),
  };
  // Pre-flight answers in this reply when the cluster is quick, so mistakes are refused before any
  // job exists; a slow cluster must not hold Slack's 3-second ack, so then the plan job does it.
  const plan = await withinBudget(planDeploy(deps, change, turn.payload.user_id), CLUSTER_BUDGET_MS);
  if (request.dryRun && plan) {
    await turn.accept({
      action: 'deploy.dry-run',
      target: `${request.service}/${request.env}`,
      reason: planSummary(plan),
      details: { version: request.version, dryRun: true },
    });
    return dryRunView(plan, gate?.policy ? describePolicy(gate.policy, utcTime) : undefined);
  }
  await turn.accept(
    {
      action: request.dryRun ? 'deploy.dry-run' : 'deploy.request',
      target: `${request.service}/${request.env}`,
      jobId,
      reason: breakGlass ? `BREAK-GLASS during freeze "${gate?.freeze?.name ?? ''}": ${breakGlass}` : request.reason,
      details: {
        version: request.version,
        strategy: request.strategy ?? target.service.strategy,
        dryRun: request.dryRun,
        ...(plan ? { plan: planSummary(plan) } : {}),
        ...(breakGlass ? { breakGlass: true } : {}),
      },
    },
    { failClosed: true },
  );
  await withQueue('enqueue', () =>
    deps.queues.enqueue('plan', jobId, { ...turn.envelope(), change, ...(plan ? { plan } : {}) }),
  );
  return queuedView(
    jobId,
    plan
      ? `Planned: ${planSummary(plan)}. Asking for what it needs…`
      : `Checking ${request.service} in ${request.env} before anything changes…`,
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
