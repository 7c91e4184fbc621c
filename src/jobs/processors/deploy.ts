import { deployView, type DeployPhase } from '../../bot/views/deploy.ts';
import { changeCause, imageFor, planHash, planTarget, tagOf } from '../../core/plan.ts';
import { gateFor } from '../../core/policy.ts';
import { imageOf, type DeploymentState } from '../../core/rollout.ts';
import { deployLockKey, serviceTarget } from '../../core/targets.ts';
import { UserError } from '../../core/user-error.ts';
import type { MessageRef } from '../../adapters/slack.ts';
import { frozenError } from '../change-gate.ts';
import { explainKube } from '../kube-errors.ts';
import type { Processor, ProcessorInput } from '../processor.ts';
import { followRollout } from '../rollout-follower.ts';

// A deploy runs only if everything that made it allowed still holds: the plan is the one approved
// (or the environment needs no approval), no freeze started meanwhile, its audit row is written,
// the target lock is ours, and the Deployment is still what the plan was made from.
export const deployProcessor: Processor<'deploy'> = async (input) => {
  const { data, deps, job } = input;
  const { plan } = data;
  const jobId = job.id ?? 'deploy-unknown';
  if (planHash(plan) !== data.planHash) throw new UserError('The job\'s plan does not match its hash; it was not run.', { code: 'plan_tampered' });
  const target = serviceTarget(deps.catalog, plan.service, plan.env);
  if (imageFor(target.service.image, plan.to.version) !== plan.to.image) throw new UserError('The job\'s image is not the catalog\'s image for this service; it was not run.', { code: 'plan_tampered' });
  const gate = gateFor(target.env, 'deploy', plan.breakGlass, deps.now());
  if (gate.verdict === 'frozen') throw frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
  if (gate.policy) {
    const approval = data.approvalId ? await deps.approvals.get(data.approvalId) : undefined;
    if (!approval || approval.request.status !== 'approved' || approval.request.planHash !== data.planHash) {
      throw new UserError(`This ${plan.env} change has no matching approval, so it was not run.`, { code: 'not_approved' });
    }
  }
  await deps.audit.record({ event: 'start', decision: 'started', actor: data.requestedBy.userId, correlationId: data.correlationId, channel: data.channelId, action: 'deploy.start', target: planTarget(plan), jobId, planHash: data.planHash, details: { from: plan.from.image, to: plan.to.image, ...(data.approvalId ? { approvalId: data.approvalId } : {}) } });
  if (data.approvalId) await deps.approvals.markStarted(data.approvalId);
  const lock = await deps.locks.acquire(deployLockKey(plan.service, plan.env), { jobId, userId: data.requestedBy.userId, what: `deploy ${plan.service} ${plan.to.version} to ${plan.env}` });
  if ('busy' in lock) throw new UserError(`${plan.service} in ${plan.env} is being changed by <@${lock.busy.userId}> (job \`${lock.busy.jobId}\`: ${lock.busy.what}); this deploy was not run.`, { code: 'locked' });
  try {
    return await rollOut(input, lock.lease.lost);
  } finally {
    await lock.lease.release();
  }
};

async function rollOut({ data, deps, job, signal }: ProcessorInput<'deploy'>, lockLost: () => boolean) {
  const { plan } = data;
  const jobId = job.id ?? 'deploy-unknown';
  const started = Date.now();
  const cluster = deps.kube.cluster(plan.context);
  const where = `${plan.namespace}/${plan.deployment}`;
  const current = await cluster.readDeployment(plan.namespace, plan.deployment).catch((error: unknown) => { throw explainKube(error, `read ${where}`); });
  if (!current) throw new UserError(`The Deployment ${where} no longer exists; nothing was changed.`, { code: 'deployment_missing' });
  if (imageOf(current, plan.container) !== plan.from.image || (plan.from.revision !== undefined && current.revision !== plan.from.revision)) {
    const now = `${tagOf(imageOf(current, plan.container) ?? '?')} (rev ${current.revision ?? '?'})`;
    await deps.audit.record({ event: 'result', decision: 'refused', actor: data.requestedBy.userId, correlationId: data.correlationId, action: 'deploy.result', target: planTarget(plan), jobId, planHash: data.planHash, reason: `target changed since the plan: now ${now}` });
    throw new UserError(`${plan.service} in ${plan.env} changed since this was planned and approved: it now runs ${now}, not ${tagOf(plan.from.image)} (rev ${plan.from.revision ?? '?'}). Nothing was changed; run the command again to plan and approve against what runs now.`, { code: 'plan_changed' });
  }
  const message = await postProgress(deps, data.channelId, { plan, jobId, requester: data.requestedBy.userId, phase: 'rolling', state: current, elapsedMs: 0 });
  const show = (phase: DeployPhase, state: DeploymentState | undefined, detail?: string) =>
    message ? deps.slack.updateMessage(message, deployView({ plan, jobId, requester: data.requestedBy.userId, phase, state, elapsedMs: Date.now() - started, detail })).catch((error: unknown) => deps.logger.warn({ err: error }, 'could not update the deploy message')) : Promise.resolve();
  const patched = await cluster.setImage(plan.namespace, plan.deployment, plan.container, plan.to.image, changeCause(plan, data.requestedBy.userId), { dryRun: false })
    .catch((error: unknown) => { throw explainKube(error, `patch ${where}`); });
  const service = deps.catalog.services[plan.service]!;
  const outcome = await followRollout(cluster, patched, { timeoutMs: service.timeout, signal });
  const succeeded = outcome.verdict.state === 'complete' && !lockLost();
  const detail = succeeded ? `completed in ${Math.round((Date.now() - started) / 100) / 10} s` : outcome.verdict.message;
  await deps.audit.record({ event: 'result', decision: succeeded ? 'succeeded' : 'failed', actor: data.requestedBy.userId, correlationId: data.correlationId, action: 'deploy.result', target: planTarget(plan), jobId, planHash: data.planHash, reason: detail, details: { image: plan.to.image, revision: outcome.state.revision } });
  await show(succeeded ? 'succeeded' : 'failed', outcome.state, detail);
  return { outcome: outcome.verdict.state, revision: outcome.state.revision };
}

async function postProgress(deps: ProcessorInput<'deploy'>['deps'], channel: string | undefined, state: Parameters<typeof deployView>[0]): Promise<MessageRef | undefined> {
  if (!channel) return undefined;
  return deps.slack.postMessage(channel, deployView(state)).catch((error: unknown) => {
    deps.logger.warn({ err: error }, 'could not post the deploy message');
    return undefined;
  });
}
