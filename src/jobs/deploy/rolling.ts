import { changeCause, tagOf, type DeployPlan } from '../../core/plan.ts';
import { imageOf } from '../../core/rollout.ts';
import { UserError } from '../../core/user-error.ts';
import { explainKube } from '../kube-errors.ts';
import { cancelledRollout } from './cancelled.ts';
import type { DeployRun } from './run.ts';
import { previousRevision, undoTo } from './undo.ts';

export type DeployOutcome = {
  decision: 'succeeded' | 'failed' | 'rolled-back' | 'cancelled' | 'aborted';
  detail: string;
  revision?: number | undefined;
};

// Rolling: patch the image (with the change cause), follow the rollout, and on failure put the
// revision the plan started from back (autoRollback, default on), reporting both in one message.
export async function rollingDeploy(run: DeployRun<DeployPlan>): Promise<DeployOutcome> {
  const { plan, cluster } = run;
  const where = `${plan.namespace}/${plan.deployment}`;
  run.set({ phase: 'rolling' });
  let started = run.resumedAt === 'patching' || run.resumedAt === 'patched' ? await resumePoint(run) : undefined;
  if (!started) {
    // Intent first: a worker that dies between the PATCH and the next checkpoint leaves a job that can
    // tell, from the image the Deployment runs, whether its patch landed.
    await run.checkpoint('patching');
    started = await cluster
      .setImage(
        plan.namespace,
        plan.deployment,
        plan.container,
        plan.to.image,
        changeCause(plan, run.data.requestedBy.userId),
        { dryRun: false },
      )
      .catch((error: unknown) => {
        throw explainKube(error, `patch ${where}`);
      });
    await run.checkpoint('patched');
  }
  const result = await run.follow(started);
  if (result.verdict.state === 'complete') {
    run.set({ phase: 'succeeded', ready: result.state.available });
    return {
      decision: 'succeeded',
      detail: `rolled out ${plan.to.version} (rev ${result.state.revision ?? '?'})`,
      revision: result.state.revision,
    };
  }
  if (result.verdict.state === 'cancelled') return cancelledRollout(run);
  run.set({ failure: result.verdict.message });
  if (!run.service.autoRollback) {
    run.set({ phase: 'failed' });
    return { decision: 'failed', detail: result.verdict.message };
  }
  return rollBack(run, result.verdict.message);
}

// A job resumed after its worker died never patches blindly: the Deployment's image says whether the
// patch landed (follow it), did not land (patch now: undefined), or someone else changed it (stop).
async function resumePoint(run: DeployRun<DeployPlan>) {
  const { plan, cluster } = run;
  const where = `${plan.namespace}/${plan.deployment}`;
  const state = await cluster.readDeployment(plan.namespace, plan.deployment);
  if (!state)
    throw new UserError(`The Deployment ${where} disappeared during the rollout.`, { code: 'deployment_missing' });
  const running = imageOf(state, plan.container);
  if (running === plan.from.image && run.resumedAt === 'patching') return undefined;
  const moved = `${where} no longer runs ${plan.to.version} (it runs ${tagOf(running ?? '?')})`;
  if (running !== plan.to.image)
    throw new UserError(`${moved}; someone changed it while this deploy was interrupted. Nothing more was done.`, {
      code: 'plan_changed',
    });
  await run.note(
    ':recycle: The worker running this deploy stopped; another one took over and is following the rollout.',
  );
  return state;
}

async function rollBack(run: DeployRun<DeployPlan>, why: string): Promise<DeployOutcome> {
  const { plan, cluster } = run;
  const current = await cluster.readDeployment(plan.namespace, plan.deployment);
  const sets = current ? await cluster.replicaSets(current) : [];
  const target = sets.find((set) => set.revision === plan.from.revision) ?? previousRevision(sets, current?.revision);
  const version = target
    ? tagOf(target.containers.find((container) => container.name === plan.container)?.image ?? plan.from.image)
    : tagOf(plan.from.image);
  if (!current || !target) {
    run.set({
      phase: 'failed',
      rollback: { version, outcome: 'failed', detail: 'the previous revision is no longer in the cluster' },
    });
    return { decision: 'failed', detail: `${why}; automatic rollback impossible` };
  }
  run.set({ phase: 'rolling-back', rollback: { version, revision: target.revision, outcome: 'running' } }, true);
  await run.note(`:rewind: ${plan.to.version} failed (${why}). Rolling back to ${version} (rev ${target.revision}).`);
  try {
    const undone = await undoTo(
      cluster,
      current,
      target,
      `ops-bot: automatic rollback to ${version} after ${plan.to.version} failed`,
    );
    const after = await run.follow(undone.state, (state) =>
      run.set({ ready: state.available, desired: state.desired }),
    );
    const ok = after.verdict.state === 'complete';
    run.set({
      phase: ok ? 'rolled-back' : 'failed',
      rollback: {
        version,
        revision: after.state.revision,
        outcome: ok ? 'succeeded' : 'failed',
        ...(ok ? {} : { detail: after.verdict.message }),
      },
    });
    return {
      decision: ok ? 'rolled-back' : 'failed',
      detail: `${why}; ${ok ? `rolled back to ${version}` : `rollback to ${version} failed: ${after.verdict.message}`}`,
      revision: after.state.revision,
    };
  } catch (error) {
    run.set({
      phase: 'failed',
      rollback: { version, revision: target.revision, outcome: 'failed', detail: (error as Error).message },
    });
    return { decision: 'failed', detail: `${why}; rollback failed: ${(error as Error).message}` };
  }
}
