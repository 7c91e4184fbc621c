import type { KubeCluster, ReplicaSetState } from '../../adapters/kube.ts';
import { tagOf, type WorkloadPlan } from '../../core/plan.ts';
import { imageOf, rolloutVerdict, type DeploymentState } from '../../core/rollout.ts';
import { followRollout } from '../rollout-follower.ts';
import type { DeployRun } from './run.ts';
import { undoTo } from './undo.ts';

// A subset of rolling.ts's DeployOutcome, spelled out here because rolling.ts imports this file.
type CancelOutcome = { decision: 'cancelled' | 'failed'; detail: string; revision?: number | undefined };

// A person cancelled a rolling change (a rolling deploy, the last step of a canary, a rollback) while
// it was rolling out. By default the Deployment is put back to the revision the change started from,
// as the automatic rollback does; with `--leave` ops-bot only stops following and says what is left.
export async function cancelledRollout(run: DeployRun<WorkloadPlan>): Promise<CancelOutcome> {
  const who = run.cancelledBy();
  if (who && !who.leave) return putBack(run, who.by);
  const state = await readTarget(run);
  const left = state ? await describeRollout(run.cluster, state, run.plan.container) : 'its state could not be read';
  const by = who ? `<@${who.by}> cancelled it with --leave` : 'the worker stopped';
  const what = run.plan.kind === 'rollback' ? 'rollback' : 'rollout';
  run.set({
    phase: 'cancelled',
    failure: `${by}: ops-bot stopped following the ${what} and left the cluster as it is — ${left}`,
    note: `The Deployment keeps rolling out what it was given; \`/rollback ${run.plan.service} ${run.plan.env}\` puts back the previous revision.`,
  });
  return { decision: 'cancelled', detail: `${by}; left as it is: ${left}` };
}

async function readTarget(run: DeployRun<WorkloadPlan>): Promise<DeploymentState | undefined> {
  return run.cluster.readDeployment(run.plan.namespace, run.plan.deployment).catch(() => undefined);
}

// Where the rollout stands, in the words the issue asks for: the template's version, how many of its
// new pods are ready, and what the rest still run.
export type RolloutFacts = { version: string; complete: boolean; newPods: string; others: string };

export async function rolloutFacts(
  cluster: KubeCluster,
  state: DeploymentState,
  container: string,
): Promise<RolloutFacts> {
  return factsOf(state, await cluster.replicaSets(state).catch(() => []), container);
}

export function factsOf(state: DeploymentState, sets: ReplicaSetState[], container: string): RolloutFacts {
  const current = sets.find((set) => set.revision === state.revision);
  const old = sets.filter((set) => set !== current && set.ready > 0);
  return {
    version: tagOf(imageOf(state, container) ?? '?'),
    complete: rolloutVerdict(state).state === 'complete',
    newPods: `${current?.ready ?? state.updated}/${state.desired} new pods ready`,
    others: old.map((set) => `${set.ready} still run ${tagOf(imageOfSet(set, container))}`).join(', '),
  };
}

export async function describeRollout(cluster: KubeCluster, state: DeploymentState, container: string) {
  const facts = await rolloutFacts(cluster, state, container);
  const revision = `rev ${state.revision ?? '?'}`;
  if (facts.complete)
    return `it runs ${facts.version} (${revision}, ${state.available}/${state.desired} pods available)`;
  const rolling = `its template is ${facts.version} (${revision}), ${facts.newPods}`;
  return facts.others ? `${rolling}; ${facts.others}` : rolling;
}

export function imageOfSet(set: ReplicaSetState, container: string): string {
  return set.containers.find((candidate) => candidate.name === container)?.image ?? '?';
}

async function putBack(run: DeployRun<WorkloadPlan>, by: string): Promise<CancelOutcome> {
  const { plan, cluster } = run;
  run.followAgain();
  const current = await readTarget(run);
  const sets = current ? await cluster.replicaSets(current) : [];
  const target = startingSet(sets, plan);
  const version = tagOf(plan.from.image);
  if (!current || !target) {
    const left = current ? await describeRollout(cluster, current, plan.container) : 'its state could not be read';
    const why = `<@${by}> cancelled it, but ${version} (rev ${plan.from.revision ?? '?'}) is no longer in the cluster`;
    run.set({ phase: 'failed', failure: `${why}, so nothing was put back — ${left}` });
    return { decision: 'failed', detail: `${why}; ${left}` };
  }
  run.set({
    phase: 'rolling-back',
    failure: `<@${by}> cancelled it; putting back ${version} (rev ${target.revision})`,
  });
  await run.note(`:octagonal_sign: <@${by}> cancelled this. Putting back ${version} (rev ${target.revision}).`);
  const cause = `ops-bot: put back ${version} after <@${by}> cancelled ${plan.to.version}`;
  const undone = await undoTo(cluster, current, target, cause);
  // Putting back gets the service's whole timeout: a cancel late in a slow rollout must still be followed.
  const after = await followRollout(cluster, undone.state, {
    timeoutMs: run.service.timeout,
    signal: run.stop.signal,
    onChange: (state) => run.set({ ready: state.available, desired: state.desired }),
  });
  const now = await describeRollout(cluster, after.state, plan.container);
  if (after.verdict.state !== 'complete') {
    const failure = `<@${by}> cancelled it; putting back ${version} did not complete (${after.verdict.message}) — ${now}`;
    run.set({ phase: 'failed', failure });
    return { decision: 'failed', detail: failure, revision: after.state.revision };
  }
  run.set({
    phase: 'cancelled',
    ready: after.state.available,
    failure: `<@${by}> cancelled it and ${version} was put back: ${now}`,
  });
  return {
    decision: 'cancelled',
    detail: `cancelled by <@${by}>; put back ${version}: ${now}`,
    revision: after.state.revision,
  };
}

// The ReplicaSet the change started from: by revision (kubectl undo renumbers a reused set, keeping
// the old numbers in its revision-history), or failing that, the newest one running the old image.
function startingSet(sets: ReplicaSetState[], plan: WorkloadPlan): ReplicaSetState | undefined {
  const revision = plan.from.revision;
  const byRevision =
    revision === undefined
      ? undefined
      : sets.find((set) => set.revision === revision || set.history.includes(revision));
  if (byRevision) return byRevision;
  return sets
    .filter((set) => imageOfSet(set, plan.container) === plan.from.image)
    .sort((a, b) => b.revision - a.revision)[0];
}
