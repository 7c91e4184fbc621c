import { dryRunView } from '../../bot/views/plan.ts';
import { describePolicy } from '../../core/approval.ts';
import { changeCause, imageFor, planSummary, planTarget, tagOf, type DeployPlan } from '../../core/plan.ts';
import { gateFor, utcTime } from '../../core/policy.ts';
import { serviceTarget } from '../../core/targets.ts';
import { UserError } from '../../core/user-error.ts';
import { KubeError } from '../../adapters/kube.ts';
import { submitChange } from '../change-gate.ts';
import { explainKube } from '../kube-errors.ts';
import type { Processor } from '../processor.ts';
import { replyToRequester } from '../reply.ts';

// Pre-flight, before anyone is asked to approve: the Deployment and container exist, the version is
// new, and the cluster accepts the exact patch in a server-side dry run. The result is the plan.
export const planProcessor: Processor<'plan'> = async ({ data, deps, job }) => {
  const { change } = data;
  const target = serviceTarget(deps.catalog, change.service, change.env);
  const { service } = target;
  const where = `${service.namespace}/${service.deployment} in ${change.env} (context ${target.env.context})`;
  let cluster;
  try {
    cluster = deps.kube.cluster(target.env.context);
  } catch (error) {
    throw new UserError(error instanceof KubeError ? error.message : String(error), { hint: 'Each catalog environment names the kubeconfig context ops-bot uses for it.', code: 'kube_context' });
  }
  const current = await cluster.readDeployment(service.namespace, service.deployment).catch((error: unknown) => { throw explainKube(error, `read ${where}`); });
  if (!current) throw new UserError(`The Deployment ${where} does not exist.`, { hint: 'The catalog names the Deployment of each service; check it against the cluster.', code: 'deployment_missing' });
  const container = current.containers.find((candidate) => candidate.name === service.container);
  if (!container) throw new UserError(`The Deployment ${where} has no container \`${service.container}\` (it has ${current.containers.map((candidate) => `\`${candidate.name}\``).join(', ')}).`, { code: 'container_missing' });
  const image = imageFor(service.image, change.version);
  if (container.image === image) throw new UserError(`${change.service} is already running ${change.version} in ${change.env}; nothing to do.`, { code: 'already_running' });
  const strategy = change.strategy ?? service.strategy;
  if (strategy !== 'rolling') throw new UserError(`The ${strategy} strategy is not enabled in this build yet; use --strategy rolling.`, { code: 'strategy_unavailable' });
  const plan: DeployPlan = {
    kind: 'deploy', service: change.service, env: change.env, context: target.env.context, namespace: service.namespace, deployment: service.deployment,
    container: service.container, strategy, replicas: current.desired,
    from: { image: container.image, ...(current.revision !== undefined ? { revision: current.revision } : {}) },
    to: { image, version: change.version },
    ...(change.reason ? { reason: change.reason } : {}),
    ...(change.breakGlass ? { breakGlass: change.breakGlass } : {}),
  };
  await cluster.setImage(plan.namespace, plan.deployment, plan.container, image, changeCause(plan, data.requestedBy.userId), { dryRun: true })
    .catch((error: unknown) => { throw explainKube(error, `patch ${where} (dry run)`); });
  if (change.dryRun) {
    const gate = gateFor(target.env, 'deploy', change.breakGlass, deps.now());
    const needs = gate.verdict === 'proceed' && gate.policy ? describePolicy(gate.policy, utcTime) : undefined;
    await deps.audit.record({ event: 'result', decision: 'dry-run', actor: data.requestedBy.userId, correlationId: data.correlationId, channel: data.channelId, action: 'deploy.dry-run', target: planTarget(plan), jobId: job.id, reason: planSummary(plan), details: { from: tagOf(plan.from.image), to: plan.to.version } });
    await replyToRequester(deps.slack, data, dryRunView(plan, needs));
    return { dryRun: true, plan: planSummary(plan) };
  }
  return submitChange(deps, { plan, envelope: data, planJobId: job.id ?? 'plan-unknown' });
};
