import type { z } from 'zod';
import type { KubeCluster, ReplicaSetState } from '../adapters/kube.ts';
import { changeCause, tagOf, type RollbackPlan } from '../core/plan.ts';
import { imageOf, type DeploymentState } from '../core/rollout.ts';
import { serviceTarget } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import type { rollbackChange } from './job-data.ts';
import { explainKube } from './kube-errors.ts';
import { clusterOf, type PreflightDeps } from './preflight.ts';
import { undoTo } from './deploy/undo.ts';
import { checkShown } from './rollback-bound.ts';
import { rollbackTarget, switchBackLedger } from './rollback-target.ts';

export type RollbackChange = z.output<typeof rollbackChange>;

// Revision numbers a ReplicaSet answers to: its own, and those it had before a rollback reused it.
function answersTo(set: ReplicaSetState, revision: number): boolean {
  return set.revision === revision || set.history.includes(revision);
}

function listRevisions(sets: ReplicaSetState[], container: string, live: number | undefined): string {
  const describe = (set: ReplicaSetState) => {
    const image = set.containers.find((candidate) => candidate.name === container)?.image ?? '?';
    return `${set.revision} (${tagOf(image)}${set.revision === live ? ', live' : ''})`;
  };
  return sets.map(describe).join(', ');
}

// Which revision to go back to: `--to <revision>`, `--to <version>` (the newest revision that ran it),
// or the one before the current one, as `kubectl rollout undo` picks it (used when the release ledger
// knows nothing of the Deployment: rollback-target.ts).
export function chooseTarget(
  sets: ReplicaSetState[],
  current: DeploymentState,
  container: string,
  to: RollbackChange['to'],
  where: string,
): ReplicaSetState {
  const olders = sets.filter((set) => set.revision !== current.revision).sort((a, b) => b.revision - a.revision);
  const imageOfSet = (set: ReplicaSetState) =>
    set.containers.find((candidate) => candidate.name === container)?.image ?? '';
  let target: ReplicaSetState | undefined;
  if (to && 'revision' in to) {
    if (to.revision === current.revision)
      throw new UserError(`${where} already runs revision ${to.revision}; nothing to roll back to.`, {
        code: 'already_running',
      });
    target = sets.find((set) => answersTo(set, to.revision));
    if (target && target.revision === current.revision)
      throw new UserError(
        `Revision ${to.revision} is what ${where} runs now (as revision ${current.revision}); nothing to roll back to.`,
        { code: 'already_running' },
      );
  } else if (to && 'version' in to) {
    target = olders.find((set) => tagOf(imageOfSet(set)) === to.version);
    const live = sets.find((set) => set.revision === current.revision);
    if (!target && live && tagOf(imageOfSet(live)) === to.version)
      throw new UserError(
        `${where} already runs ${to.version} (revision ${current.revision}); nothing to roll back to.`,
        {
          code: 'already_running',
        },
      );
  } else {
    target = olders[0];
  }
  if (!target) {
    const kept = listRevisions(sets, container, current.revision) || 'nothing but the live revision';
    // Never "any more": a version that was never deployed here is not in the cluster either.
    throw new UserError(
      `${wantedOf(to)} is not among the revisions the cluster keeps, so ${where} cannot go back to it.`,
      {
        hint: `The cluster keeps: ${kept} (revisionHistoryLimit decides how many).`,
        code: 'unknown_revision',
      },
    );
  }
  return target;
}

function wantedOf(to: RollbackChange['to']): string {
  if (!to) return 'An earlier revision';
  return 'revision' in to ? `Revision ${to.revision}` : `Version ${to.version}`;
}

// Both ends of a planned rollback by identity (core/rollback-button.ts ShownRollback): what a form
// showed is compared with them when it is submitted.
export type RollbackEnds = { from: string; to: string };

export async function planRollback(
  deps: PreflightDeps,
  change: RollbackChange,
  requester: string,
): Promise<RollbackPlan> {
  const { plan, ends } = await planWithEnds(deps, change, requester);
  if (change.shown) checkShown({ shown: change.shown, ends, plan });
  return plan;
}

export async function planWithEnds(
  deps: PreflightDeps,
  change: RollbackChange,
  requester: string,
): Promise<{ plan: RollbackPlan; ends: RollbackEnds }> {
  const target = serviceTarget(deps.catalog, change.service, change.env);
  const { service } = target;
  const cluster = clusterOf(deps, target.env.context);
  const base = planBase(change, target);
  let deployment = service.deployment;
  if (service.strategy === 'bluegreen') {
    const switchBack = await blueGreenSwitchBack(cluster, service, change);
    if (switchBack.plan) {
      const { bluegreen, from, to } = switchBack.plan;
      const ledger = await switchBackLedger(deps, change, bluegreen, from.image);
      const ends = { from: `colour:${bluegreen.live}@${from.image}`, to: `colour:${bluegreen.idle}@${to.image}` };
      return { plan: { ...base, ...switchBack.plan, ledger }, ends };
    }
    deployment = switchBack.live;
  }
  const where = `${change.service} in ${change.env}`;
  const { current, running } = await readLive(cluster, service, deployment, change.env);
  const sets = await cluster.replicaSets(current).catch((error: unknown) => {
    throw explainKube(error, `list the revisions of ${service.namespace}/${deployment}`);
  });
  const {
    set: chosen,
    ledger,
    live,
  } = await rollbackTarget(deps, {
    change,
    deployment,
    current,
    sets,
    where,
    image: running,
    pick: (to) => chooseTarget(sets, current, service.container, to, where),
  });
  const image = chosen.containers.find((candidate) => candidate.name === service.container)?.image ?? running;
  const plan: RollbackPlan = {
    ...base,
    deployment,
    replicas: current.desired,
    mode: 'undo',
    from: { image: running, ...(current.revision !== undefined ? { revision: current.revision } : {}) },
    to: { image, version: tagOf(image), revision: chosen.revision },
    ledger,
  };
  await undoTo(cluster, current, chosen, changeCause(plan, requester), { dryRun: true }).catch((error: unknown) => {
    throw explainKube(error, `roll back ${service.namespace}/${deployment} (dry run)`);
  });
  const from = live ? `rs:${live.uid}` : `revision:${current.revision ?? '?'}@${running}`;
  return { plan, ends: { from, to: `rs:${chosen.uid}` } };
}

function planBase(change: RollbackChange, target: ReturnType<typeof serviceTarget>) {
  const { service } = target;
  return {
    kind: 'rollback' as const,
    service: change.service,
    env: change.env,
    context: target.env.context,
    namespace: service.namespace,
    container: service.container,
    strategy: service.strategy,
    ...(change.reason ? { reason: change.reason } : {}),
    ...(change.breakGlass ? { breakGlass: change.breakGlass } : {}),
  };
}

async function readLive(cluster: KubeCluster, service: ServiceOf, deployment: string, env: string) {
  const current = await cluster.readDeployment(service.namespace, deployment).catch((error: unknown) => {
    throw explainKube(error, `read ${service.namespace}/${deployment}`);
  });
  if (!current)
    throw new UserError(`The Deployment ${service.namespace}/${deployment} does not exist in ${env}.`, {
      code: 'deployment_missing',
    });
  const running = imageOf(current, service.container);
  if (!running)
    throw new UserError(
      `The Deployment ${service.namespace}/${deployment} has no container \`${service.container}\`.`,
      { code: 'container_missing' },
    );
  return { current, running };
}

type ServiceOf = Parameters<typeof serviceTarget>[0]['services'][string];

// Blue-green with the other colour still up: switching the Service back is the rollback, and it
// touches no pods. With the other colour gone (scaled to 0 after its grace period), the live colour
// is rolled back like any Deployment.
async function blueGreenSwitchBack(cluster: KubeCluster, service: ServiceOf, change: RollbackChange) {
  const serviceName = service.service ?? service.deployment;
  const svc = await cluster.readService(service.namespace, serviceName).catch((error: unknown) => {
    throw explainKube(error, `read service ${service.namespace}/${serviceName}`);
  });
  if (!svc)
    throw new UserError(`The Service ${service.namespace}/${serviceName} does not exist in ${change.env}.`, {
      code: 'service_missing',
    });
  const colourKey = Object.keys(svc.selector).find(
    (key) => svc.selector[key] === 'blue' || svc.selector[key] === 'green',
  );
  if (!colourKey)
    throw new UserError(`The Service ${service.namespace}/${serviceName} selects no blue or green label.`, {
      code: 'no_colours',
    });
  const liveColour = svc.selector[colourKey]!;
  const otherColour = liveColour === 'blue' ? 'green' : 'blue';
  const live = await cluster.readDeployment(service.namespace, `${service.deployment}-${liveColour}`);
  const other = await cluster.readDeployment(service.namespace, `${service.deployment}-${otherColour}`);
  const liveName = `${service.deployment}-${liveColour}`;
  if (!live || !other || other.desired === 0 || other.available < other.desired)
    return { live: liveName, plan: undefined };
  const otherImage = imageOf(other, service.container) ?? '';
  if (change.to && ('version' in change.to ? tagOf(otherImage) !== change.to.version : true))
    return { live: liveName, plan: undefined };
  const liveImage = imageOf(live, service.container) ?? '';
  return {
    live: liveName,
    plan: {
      deployment: liveName,
      replicas: live.desired,
      mode: 'switch-back' as const,
      from: { image: liveImage, ...(live.revision !== undefined ? { revision: live.revision } : {}) },
      to: { image: otherImage, version: tagOf(otherImage) },
      bluegreen: {
        service: serviceName,
        live: liveName,
        idle: `${service.deployment}-${otherColour}`,
        colourKey,
        liveColour,
        idleColour: otherColour,
        idleExists: true,
      },
    },
  };
}
