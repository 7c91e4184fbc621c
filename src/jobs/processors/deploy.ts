import { imageFor, planHash, planTarget, tagOf, type DeployPlan } from '../../core/plan.ts';
import { gateFor } from '../../core/policy.ts';
import { imageOf } from '../../core/rollout.ts';
import { deployLockKey, serviceTarget } from '../../core/targets.ts';
import { UserError } from '../../core/user-error.ts';
import type { KubeCluster } from '../../adapters/kube.ts';
import { frozenError } from '../change-gate.ts';
import { blueGreenDeploy } from '../deploy/bluegreen.ts';
import { canaryDeploy } from '../deploy/canary.ts';
import { rollingDeploy, type DeployOutcome } from '../deploy/rolling.ts';
import { DeployRun } from '../deploy/run.ts';
import { explainKube } from '../kube-errors.ts';
import type { Processor, ProcessorDeps } from '../processor.ts';

const STRATEGIES = { rolling: rollingDeploy, bluegreen: blueGreenDeploy, canary: canaryDeploy } as const;

// A deploy runs only if everything that made it allowed still holds: the plan is the one approved
// (or the environment needs no approval), no freeze started meanwhile, its audit row is written,
// the target lock is ours, and the target is still what the plan was made from. A job resumed after
// its worker died (BullMQ's stalled-job recovery) continues from its last checkpoint instead.
export const deployProcessor: Processor<'deploy'> = async ({ data, deps, job, signal }) => {
  const { plan } = data;
  const jobId = job.id ?? 'deploy-unknown';
  const resumed = data.resume !== undefined && data.resume.stage !== 'started';
  if (planHash(plan) !== data.planHash) throw new UserError('The job\'s plan does not match its hash; it was not run.', { code: 'plan_tampered' });
  const target = serviceTarget(deps.catalog, plan.service, plan.env);
  if (imageFor(target.service.image, plan.to.version) !== plan.to.image) throw new UserError('The job\'s image is not the catalog\'s image for this service; it was not run.', { code: 'plan_tampered' });
  const gate = gateFor(target.env, 'deploy', plan.breakGlass, deps.now());
  // Half a rollout is worse than a finished one: a freeze that starts meanwhile stops new changes only.
  if (gate.verdict === 'frozen' && !resumed) throw frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
  const needsApproval = gate.verdict === 'proceed' ? gate.policy !== undefined : target.env.approval !== 'none' || plan.breakGlass !== undefined;
  if (needsApproval) {
    const approval = data.approvalId ? await deps.approvals.get(data.approvalId) : undefined;
    if (!approval || approval.request.status !== 'approved' || approval.request.planHash !== data.planHash) {
      throw new UserError(`This ${plan.env} change has no matching approval, so it was not run.`, { code: 'not_approved' });
    }
  }
  const audit = (event: string, decision: string, reason?: string, details: Record<string, unknown> = {}) =>
    deps.audit.record({ event, decision, actor: data.requestedBy.userId, correlationId: data.correlationId, channel: data.channelId, action: `deploy.${event}`, target: planTarget(plan), jobId, planHash: data.planHash, reason, details: { from: plan.from.image, to: plan.to.image, strategy: plan.strategy, ...details } });
  await audit(resumed ? 'resume' : 'start', resumed ? 'resumed' : 'started', undefined, data.approvalId ? { approvalId: data.approvalId } : {});
  if (data.approvalId) await deps.approvals.markStarted(data.approvalId);
  const lock = await deps.locks.acquire(deployLockKey(plan.service, plan.env), { jobId, userId: data.requestedBy.userId, what: `${plan.strategy} deploy of ${plan.service} ${plan.to.version} to ${plan.env}` });
  if ('busy' in lock) throw new UserError(`${plan.service} in ${plan.env} is being changed by <@${lock.busy.userId}> (job \`${lock.busy.jobId}\`: ${lock.busy.what}); this deploy was not run.`, { code: 'locked' });
  let run: DeployRun | undefined;
  let outcome: DeployOutcome;
  try {
    const cluster = deps.kube.cluster(plan.context);
    if (!resumed) await ensureUnchanged(deps, cluster, plan, data.requestedBy.userId, data.correlationId, jobId, data.planHash);
    run = new DeployRun(deps, job, data, cluster, target.service, signal);
    await run.open();
    outcome = await STRATEGIES[plan.strategy](run);
  } catch (error) {
    const explained = explainKube(error, `deploy ${plan.service}`);
    const why = explained instanceof Error ? explained.message : String(explained);
    run?.set({ phase: 'failed', failure: why });
    await audit('result', 'failed', why).catch((auditError: unknown) => deps.logger.error({ err: auditError }, 'audit write failed'));
    throw explained;
  } finally {
    await run?.close().catch((error: unknown) => deps.logger.error({ err: error }, 'could not write the final deploy message'));
    await lock.lease.release();
  }
  await audit('result', outcome.decision, outcome.detail, { revision: outcome.revision });
  return outcome;
};

// The plan was made from what ran then; if something else changed the target since, nothing runs.
async function ensureUnchanged(deps: ProcessorDeps, cluster: KubeCluster, plan: DeployPlan, requester: string, correlationId: string, jobId: string, hash: string): Promise<void> {
  const where = `${plan.namespace}/${plan.deployment}`;
  const current = await cluster.readDeployment(plan.namespace, plan.deployment).catch((error: unknown) => { throw explainKube(error, `read ${where}`); });
  if (!current) throw new UserError(`The Deployment ${where} no longer exists; nothing was changed.`, { code: 'deployment_missing' });
  const running = imageOf(current, plan.container);
  let changed = running !== plan.from.image || (plan.from.revision !== undefined && current.revision !== plan.from.revision);
  if (!changed && plan.bluegreen) {
    const service = await cluster.readService(plan.namespace, plan.bluegreen.service);
    changed = service?.selector[plan.bluegreen.colourKey] !== plan.bluegreen.liveColour;
  }
  if (!changed) return;
  const now = `${tagOf(running ?? '?')} (rev ${current.revision ?? '?'})`;
  await deps.audit.record({ event: 'result', decision: 'refused', actor: requester, correlationId, action: 'deploy.result', target: planTarget(plan), jobId, planHash: hash, reason: `target changed since the plan: now ${now}` });
  throw new UserError(`${plan.service} in ${plan.env} changed since this was planned and approved: it now runs ${now}, not ${tagOf(plan.from.image)} (rev ${plan.from.revision ?? '?'}). Nothing was changed; run the command again to plan and approve against what runs now.`, { code: 'plan_changed' });
}

