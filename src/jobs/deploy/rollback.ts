import { changeCause, tagOf, type RollbackPlan } from '../../core/plan.ts';
import { imageOf } from '../../core/rollout.ts';
import { UserError } from '../../core/user-error.ts';
import { explainKube } from '../kube-errors.ts';
import { chooseTarget } from '../rollback-plan.ts';
import { scheduleRetire } from './bluegreen.ts';
import { cancelledRollout } from './cancelled.ts';
import type { DeployOutcome } from './rolling.ts';
import type { DeployRun } from './run.ts';
import { undoTo } from './undo.ts';

// Undo to the planned revision (kubectl's rollout undo), followed like any rollout. A rollback that
// fails is reported, not rolled back again: the person decides what next.
export async function undoRollback(run: DeployRun<RollbackPlan>): Promise<DeployOutcome> {
  const { plan, cluster } = run;
  const where = `${plan.namespace}/${plan.deployment}`;
  run.set({ phase: 'rolling' });
  const current = await cluster.readDeployment(plan.namespace, plan.deployment);
  if (!current) throw new UserError(`The Deployment ${where} disappeared.`, { code: 'deployment_missing' });
  let started = current;
  const landed =
    imageOf(current, plan.container) === plan.to.image &&
    run.resumedAt !== undefined &&
    ['patching', 'patched'].includes(run.resumedAt);
  if (!landed) {
    const sets = await cluster.replicaSets(current);
    const target = chooseTarget(
      sets,
      current,
      plan.container,
      plan.to.revision !== undefined ? { revision: plan.to.revision } : { version: plan.to.version },
      `${plan.service} in ${plan.env}`,
    );
    await run.checkpoint('patching');
    const undone = await undoTo(cluster, current, target, changeCause(plan, run.data.requestedBy.userId)).catch(
      (error: unknown) => {
        throw explainKube(error, `roll back ${where}`);
      },
    );
    started = undone.state;
    await run.checkpoint('patched');
  } else {
    await run.note(':recycle: The worker running this rollback stopped; another one took over and is following it.');
  }
  const result = await run.follow(started);
  if (result.verdict.state === 'complete') {
    run.set({ phase: 'succeeded', ready: result.state.available });
    return {
      decision: 'succeeded',
      detail: `rolled back to ${plan.to.version} (now rev ${result.state.revision ?? '?'})`,
      revision: result.state.revision,
    };
  }
  if (result.verdict.state === 'cancelled') return cancelledRollout(run);
  run.set({ phase: 'failed', failure: result.verdict.message });
  return { decision: 'failed', detail: `rollback to ${plan.to.version} did not complete: ${result.verdict.message}` };
}

// Blue-green with the previous colour still up: the rollback is switching the Service back. No pod is
// touched; the colour that was live stays up for the grace period, then is scaled to 0.
export async function switchBack(run: DeployRun<RollbackPlan>): Promise<DeployOutcome> {
  const { plan, cluster } = run;
  const colours = plan.bluegreen;
  if (!colours)
    throw new UserError('This blue-green rollback has no colours; plan it again.', { code: 'plan_incomplete' });
  run.set({ phase: 'switching', colour: { from: colours.liveColour, to: colours.idleColour, switched: false } });
  if (run.resumedAt !== 'switched') {
    const service = await cluster.readService(plan.namespace, colours.service);
    const target = await cluster.readDeployment(plan.namespace, colours.idle);
    if (!service || !target)
      throw new UserError(`${colours.idle} or the Service ${colours.service} is gone; traffic was not switched.`, {
        code: 'deployment_missing',
      });
    if (target.available < target.desired || target.desired === 0)
      throw new UserError(`${notUp(colours.idle, target)}; traffic was not switched. Roll back with --to instead.`, {
        code: 'colour_down',
      });
    await cluster
      .switchService(plan.namespace, colours.service, service.resourceVersion, target.selector)
      .catch((error: unknown) => {
        throw explainKube(error, `switch ${plan.namespace}/${colours.service}`);
      });
    await run.checkpoint('switched');
    run.set({ ready: target.available, desired: target.desired });
  }
  run.set({ phase: 'succeeded', colour: { from: colours.liveColour, to: colours.idleColour, switched: true } });
  await scheduleRetire(run, colours);
  return { decision: 'succeeded', detail: `traffic back on ${colours.idleColour} (${tagOf(plan.to.image)})` };
}

function notUp(colour: string, target: { available: number; desired: number }): string {
  return `${colour} is not fully up (${target.available}/${target.desired})`;
}
