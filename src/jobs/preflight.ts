import { readReleaseHealth } from './release-watch.ts';
import type { Logger } from 'pino';
import type { ReleaseLedger } from '../adapters/release-ledger.ts';
import type { KubeCluster, KubeClusters } from '../adapters/kube.ts';
import { KubeError, releaseSetOf, type ReplicaSetState } from '../adapters/kube.ts';
import { pinnedWords } from '../core/promote.ts';
import type { Catalog, CatalogService } from '../core/catalog.ts';
import type { Strategy } from '../core/grammar/commands.ts';
import { changeCause, imageFor, tagOf, type DeployPlan } from '../core/plan.ts';
import { rolloutVerdict, type DeploymentState } from '../core/rollout.ts';
import { serviceTarget } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import type { z } from 'zod';
import type { deployChange } from './job-data.ts';
import { factsOf, imageOfSet } from './deploy/cancelled.ts';
import { refuseMutableTag, withWarnings } from './deploy-warnings.ts';
import { previousRevision } from './deploy/undo.ts';
import { explainKube } from './kube-errors.ts';

export type DeployChange = z.output<typeof deployChange>;
export type PreflightDeps = {
  catalog: Catalog;
  kube: KubeClusters;
  releases: ReleaseLedger;
  logger: Logger;
  now: () => Date;
};

const COLOURS = ['blue', 'green'] as const;

// Pre-flight, before anyone is asked to approve: the target exists as the catalog says, the version
// is new, and the cluster accepts the exact patch in a server-side dry run. The result is the plan.
export async function planDeploy(deps: PreflightDeps, change: DeployChange, requester: string): Promise<DeployPlan> {
  const target = serviceTarget(deps.catalog, change.service, change.env);
  const { service } = target;
  refuseMutableTag(deps.catalog, change.service, service, change);
  const cluster = clusterOf(deps, target.env.context);
  const strategy: Strategy = change.strategy ?? service.strategy;
  const image = imageOfChange(service, change);
  const base = {
    kind: 'deploy' as const,
    service: change.service,
    env: change.env,
    context: target.env.context,
    namespace: service.namespace,
    container: service.container,
    strategy,
    to: { image, version: change.version, ...(change.digest ? { digest: change.digest } : {}) },
    ...(change.reason ? { reason: change.reason } : {}),
    ...(change.breakGlass ? { breakGlass: change.breakGlass } : {}),
  };
  const plan =
    strategy === 'bluegreen'
      ? await blueGreenPlan(cluster, service, change, base)
      : await inPlacePlan(cluster, service, change, base);
  const dryRunTarget = plan.bluegreen?.idleExists ? plan.bluegreen.idle : plan.deployment;
  await cluster
    .setImage(plan.namespace, dryRunTarget, plan.container, image, changeCause(plan, requester), { dryRun: true })
    .catch((error: unknown) => {
      throw explainKube(error, `patch ${plan.namespace}/${dryRunTarget} (dry run)`);
    });
  return withWarnings(deps, plan, change.digest);
}

// The image a deploy sets: the catalog's repository at the version, or at the digest of a promotion.
function imageOfChange(service: CatalogService, change: DeployChange): string {
  return imageFor(service.image, change.digest ?? change.version);
}

// What every deploy plan says, whatever its strategy.
type PlanBase = Omit<DeployPlan, 'deployment' | 'replicas' | 'from' | 'bluegreen' | 'canary'>;

async function blueGreenPlan(
  cluster: KubeCluster,
  service: CatalogService,
  change: DeployChange,
  base: PlanBase,
): Promise<DeployPlan> {
  const colours = await liveColour(cluster, service, change.env);
  return {
    ...base,
    deployment: colours.live.name,
    replicas: colours.live.desired,
    from: await fromRunning(cluster, colours.live, service, change),
    bluegreen: colours.plan,
  };
}

// Rolling and canary deploys change the service's own Deployment; a canary also needs none running.
async function inPlacePlan(
  cluster: KubeCluster,
  service: CatalogService,
  change: DeployChange,
  base: PlanBase,
): Promise<DeployPlan> {
  const current = await read(cluster, service.namespace, service.deployment, change.env);
  if (base.strategy === 'canary') await ensureNoCanary(cluster, service, change);
  return {
    ...base,
    deployment: service.deployment,
    replicas: current.desired,
    from: await fromRunning(cluster, current, service, change),
    ...(base.strategy === 'canary'
      ? {
          canary: {
            name: `${service.deployment}-canary`,
            steps: service.canary?.steps ?? [10, 25, 50, 100],
            holdMs: service.canary?.hold ?? 300_000,
          },
        }
      : {}),
  };
}

async function ensureNoCanary(cluster: KubeCluster, service: CatalogService, change: DeployChange): Promise<void> {
  const name = `${service.deployment}-canary`;
  const canary = await read(cluster, service.namespace, name, change.env, true);
  if (!canary || canary.desired <= 0) return;
  const running = `A canary of ${change.service} is already running in ${change.env}`;
  throw new UserError(`${running} (${service.namespace}/${name}, ${canary.desired} pods). Promote or abort it first.`, {
    code: 'canary_running',
  });
}

// The cluster of an environment's kubeconfig context, or a refusal naming what the kubeconfig has.
export function clusterOf(deps: PreflightDeps, context: string): KubeCluster {
  try {
    return deps.kube.cluster(context);
  } catch (error) {
    throw new UserError(error instanceof KubeError ? error.message : String(error), {
      hint: 'Each catalog environment names the kubeconfig context ops-bot uses for it.',
      code: 'kube_context',
    });
  }
}

async function read(
  cluster: KubeCluster,
  namespace: string,
  name: string,
  env: string,
  optional = false,
): Promise<DeploymentState> {
  const state = await cluster.readDeployment(namespace, name).catch((error: unknown) => {
    throw explainKube(error, `read ${namespace}/${name}`);
  });
  if (!state && !optional)
    throw new UserError(`The Deployment ${namespace}/${name} does not exist in ${env}.`, {
      hint: 'The catalog names the Deployment of each service; check it against the cluster.',
      code: 'deployment_missing',
    });
  return state as DeploymentState;
}

// A deploy of what the Deployment's template already names is refused: as a no-op when its pods run it
// (the rollout is complete), and as stuck when they do not. The same template again would start
// nothing new (same pod template, same ReplicaSet), so the way out offered is the rollback.
async function fromRunning(
  cluster: KubeCluster,
  current: DeploymentState,
  service: CatalogService,
  change: DeployChange,
): Promise<DeployPlan['from']> {
  const planned = from(current, service);
  if (planned.image !== imageOfChange(service, change)) {
    await notRunningDigest(cluster, current, service, change);
    return planned;
  }
  const target = `${change.service} ${change.env}`;
  if (rolloutVerdict(current).state === 'complete')
    throw new UserError(`${change.service} is already running ${change.version} in ${change.env}; nothing to do.`, {
      code: 'already_running',
    });
  // One read of the ReplicaSets serves the facts, the release's pods and the revision to go back to.
  const sets = await cluster.replicaSets(current).catch(() => []);
  const facts = factsOf(current, sets, service.container);
  const problems = await releaseProblems(cluster, current, sets);
  const stuck = rolloutVerdict(current).state === 'failed' || problems > 0 ? 'stuck' : 'still';
  const others = facts.others ? `; ${facts.others}` : '';
  const previous = previousRevision(sets, current.revision);
  const back = previous ? ` (to ${tagOf(imageOfSet(previous, service.container))}, rev ${previous.revision})` : '';
  throw new UserError(
    `${target} is ${stuck} rolling out ${change.version}: ${facts.newPods}${others}. Deploying it again would start nothing new.`,
    { hint: `Roll it back with \`/rollback ${change.service} ${change.env}\`${back}.`, code: 'stuck_rolling_out' },
  );
}

// A promotion names its image by digest while the target may run the same release by tag: its pods
// say which digest they run. The same digest, rolled out, is a no-op, as the same tag is. Unreadable
// pods prove nothing, and the deploy goes on (it would roll out the same bits under a new name).
async function notRunningDigest(
  cluster: KubeCluster,
  current: DeploymentState,
  service: CatalogService,
  change: DeployChange,
): Promise<void> {
  if (!change.digest || rolloutVerdict(current).state !== 'complete') return;
  const sets = await cluster.replicaSets(current).catch(() => []);
  const live = releaseSetOf(current, sets);
  if (!live) return;
  const pods = await cluster.podHealth(current.namespace, live.podLabels).catch(() => []);
  const ids = pods.flatMap((pod) => pod.containers).filter((container) => container.name === service.container);
  if (ids.length === 0 || !ids.every((container) => container.imageID?.endsWith(`@${change.digest}`))) return;
  const release = pinnedWords(change.version, change.digest);
  const what = `${change.service} is already running ${release} in ${change.env}`;
  throw new UserError(`${what}: its pods run that digest; nothing to do.`, { code: 'already_running' });
}

// How many problems the pods of the release being rolled out show (0 when they cannot be read).
async function releaseProblems(
  cluster: KubeCluster,
  current: DeploymentState,
  sets: ReplicaSetState[],
): Promise<number> {
  const release = releaseSetOf(current, sets);
  if (!release) return 0;
  const options = { failFast: false as const, firstSeen: new Map<string, number>() };
  const health = await readReleaseHealth(cluster, release, () => current, options).catch(() => undefined);
  return health?.problems.length ?? 0;
}

function from(current: DeploymentState, service: CatalogService): DeployPlan['from'] {
  const container = current.containers.find((candidate) => candidate.name === service.container);
  if (!container) {
    const has = current.containers.map((candidate) => `\`${candidate.name}\``).join(', ');
    const deployment = `The Deployment ${current.namespace}/${current.name}`;
    throw new UserError(`${deployment} has no container \`${service.container}\` (it has ${has}).`, {
      code: 'container_missing',
    });
  }
  return { image: container.image, ...(current.revision !== undefined ? { revision: current.revision } : {}) };
}

// Blue-green: the live colour is the Deployment the Service selects; the selector's blue/green label
// tells which key carries the colour.
async function liveColour(cluster: KubeCluster, service: CatalogService, env: string) {
  const serviceName = service.service ?? service.deployment;
  const theService = `The Service ${service.namespace}/${serviceName}`;
  const svc = await cluster.readService(service.namespace, serviceName).catch((error: unknown) => {
    throw explainKube(error, `read service ${service.namespace}/${serviceName}`);
  });
  if (!svc)
    throw new UserError(`${theService} does not exist in ${env}; blue-green needs it.`, { code: 'service_missing' });
  const colourKey = Object.keys(svc.selector).find((key) =>
    (COLOURS as readonly string[]).includes(svc.selector[key]!),
  );
  if (!colourKey)
    throw new UserError(`${theService} selects no blue or green label, so ops-bot cannot tell the colours apart.`, {
      code: 'no_colours',
    });
  const liveColourName = svc.selector[colourKey]!;
  const idleColourName = liveColourName === 'blue' ? 'green' : 'blue';
  const live = await read(cluster, service.namespace, `${service.deployment}-${liveColourName}`, env);
  const idle = await read(cluster, service.namespace, `${service.deployment}-${idleColourName}`, env, true);
  return {
    live,
    plan: {
      service: serviceName,
      live: live.name,
      idle: `${service.deployment}-${idleColourName}`,
      colourKey,
      liveColour: liveColourName,
      idleColour: idleColourName,
      idleExists: idle !== undefined,
    },
  };
}
