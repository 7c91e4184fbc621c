import { z } from 'zod';
import { queuedView } from '../bot/views/jobs.ts';
import { dryRunView } from '../bot/views/plan.ts';
import { describePolicy } from '../core/approval.ts';
import type { DeployPlan } from '../core/plan.ts';
import { planSummary } from '../core/plan.ts';
import { notEnabledView } from '../bot/views/not-enabled.ts';
import { jobIdFor } from '../core/ids.ts';
import { gateFor, utcTime } from '../core/policy.ts';
import { deployLockKey, serviceTarget } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import { frozenError } from '../jobs/change-gate.ts';
import { planDeploy, type DeployChange } from '../jobs/preflight.ts';
import { requireRole } from './authorize.ts';
import type { CommandHandler } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { withQueue } from './queue-errors.ts';

// /deploy <service> <version> [to] <env>: everything that can be decided without the cluster is
// decided here (catalog, role, freeze, lock); the cluster is read by the plan job, and approval,
// when the environment asks for it, follows from the plan.
export function deployCommand(deps: HandlerDeps): CommandHandler {
  return async (turn) => {
    const { request } = turn;
    if (request.command !== 'deploy') return undefined;
    if (request.sub === 'history') return notEnabledView('/deploy history');
    const target = serviceTarget(deps.catalog, request.service, request.env);
    await requireRole(deps, turn.payload.user_id, 'deploy');
    const gate = gateFor(target.env, 'deploy', request.breakGlass, deps.now());
    if (gate.verdict === 'frozen' && !request.dryRun) throw frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
    const holder = request.dryRun ? undefined : await withQueue('read', () => deps.locks.holder(deployLockKey(request.service, request.env)));
    if (holder) {
      const link = await progressLink(deps, holder.jobId);
      throw new UserError(`${request.service} in ${request.env} is being changed right now by <@${holder.userId}>: ${holder.what} (job \`${holder.jobId}\`, since ${holder.since.slice(11, 16)} UTC${link ? `, <${link}|progress>` : ''}).`, {
        hint: `\`/ops status ${holder.jobId}\` follows it; try again when it has finished.`,
        code: 'locked',
      });
    }
    const jobId = jobIdFor('plan', turn.deliveryKey);
    const breakGlass = gate.verdict === 'proceed' && gate.freeze ? request.breakGlass : undefined;
    const change: DeployChange = {
      kind: 'deploy', service: request.service, version: request.version, env: request.env, dryRun: request.dryRun,
      ...(request.strategy ? { strategy: request.strategy } : {}), ...(request.reason ? { reason: request.reason } : {}), ...(breakGlass ? { breakGlass } : {}),
    };
    // Pre-flight answers in this reply when the cluster is quick, so mistakes are refused before any
    // job exists; a slow cluster must not hold Slack's 3-second ack, so then the plan job does it.
    const plan = await withinBudget(planDeploy(deps, change, turn.payload.user_id), PREFLIGHT_BUDGET_MS);
    if (request.dryRun && plan) {
      const needs = gate.verdict === 'proceed' && gate.policy ? describePolicy(gate.policy, utcTime) : undefined;
      await turn.accept({ action: 'deploy.dry-run', target: `${request.service}/${request.env}`, reason: planSummary(plan), details: { version: request.version, dryRun: true } });
      return dryRunView(plan, needs);
    }
    await turn.accept({
      action: request.dryRun ? 'deploy.dry-run' : 'deploy.request', target: `${request.service}/${request.env}`, jobId,
      reason: breakGlass ? `BREAK-GLASS during freeze "${gate.verdict === 'proceed' ? gate.freeze?.name : ''}": ${breakGlass}` : request.reason,
      details: { version: request.version, strategy: request.strategy ?? target.service.strategy, dryRun: request.dryRun, ...(plan ? { plan: planSummary(plan) } : {}), ...(breakGlass ? { breakGlass: true } : {}) },
    }, { failClosed: true });
    await withQueue('enqueue', () => deps.queues.enqueue('plan', jobId, { ...turn.envelope(), change, ...(plan ? { plan } : {}) }));
    return queuedView(jobId, plan ? `Planned: ${planSummary(plan)}. Asking for what it needs…` : `Checking ${request.service} in ${request.env} before anything changes…`);
  };
}

const PREFLIGHT_BUDGET_MS = 1_500;

// The running job's progress message, for the person who has to wait for it.
async function progressLink(deps: HandlerDeps, jobId: string): Promise<string | undefined> {
  const job = await deps.queues.queue('deploy').getJob(jobId).catch(() => undefined);
  const parsed = z.object({ resume: z.object({ permalink: z.string() }) }).safeParse(job?.data);
  return parsed.success ? parsed.data.resume.permalink : undefined;
}

// The plan if pre-flight finishes in time; undefined if not. Its refusals (UserError) are thrown.
async function withinBudget(planning: Promise<DeployPlan>, ms: number): Promise<DeployPlan | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), ms); });
  planning.catch(() => undefined); // a late failure is the plan job's to report
  try {
    return await Promise.race([planning, late]);
  } finally {
    clearTimeout(timer);
  }
}
