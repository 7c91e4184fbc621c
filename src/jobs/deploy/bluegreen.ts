import { changeCause, type DeployPlan } from '../../core/plan.ts';
import { UserError } from '../../core/user-error.ts';
import { explainKube } from '../kube-errors.ts';
import { checkHealth } from './health.ts';
import type { DeployOutcome } from './rolling.ts';
import type { DeployRun } from './run.ts';

// Blue-green: roll the idle colour to the new version, wait until all of it is ready, check health,
// then switch the Service's selector in one guarded patch. The old colour stays up for the grace
// period (so switching back is instant), then a delayed job scales it to zero.
export async function blueGreenDeploy(run: DeployRun<DeployPlan>): Promise<DeployOutcome> {
  const { plan, cluster } = run;
  const colours = plan.bluegreen;
  if (!colours) throw new UserError('This blue-green plan has no colours; plan it again.', { code: 'plan_incomplete' });
  run.set({
    phase: 'rolling',
    colour: { from: colours.liveColour, to: colours.idleColour, switched: run.resumedAt === 'switched' },
  });
  if (run.resumedAt !== 'switched') {
    const idle = await rollIdle(run);
    if (idle) return idle;
    if (run.service.healthCheck) {
      run.set({ phase: 'verifying' });
      const health = await checkHealth(
        run.service.healthCheck.url,
        plan.env,
        run.service.healthCheck.expectStatus,
        run.service.healthCheck.timeout,
      );
      if (!health.ok) return giveUp(run, health.detail);
    }
    run.set({ phase: 'switching' });
    const service = await cluster.readService(plan.namespace, colours.service);
    if (!service)
      throw new UserError(`The Service ${plan.namespace}/${colours.service} disappeared; traffic was not switched.`, {
        code: 'service_missing',
      });
    const idleState = await cluster.readDeployment(plan.namespace, colours.idle);
    await cluster
      .switchService(
        plan.namespace,
        colours.service,
        service.resourceVersion,
        idleState?.selector ?? { ...service.selector, [colours.colourKey]: colours.idleColour },
      )
      .catch((error: unknown) => {
        throw explainKube(error, `switch ${plan.namespace}/${colours.service}`);
      });
    await run.checkpoint('switched');
    await run.note(
      `:twisted_rightwards_arrows: Traffic switched from ${colours.liveColour} to ${colours.idleColour}. ${colours.liveColour} stays up for the grace period, then scales to 0.`,
    );
  }
  run.set({ phase: 'succeeded', colour: { from: colours.liveColour, to: colours.idleColour, switched: true } });
  await run.deps.queues.enqueue(
    'bluegreen-retire',
    `bluegreen-retire-${run.jobId.slice(run.jobId.indexOf('-') + 1)}`,
    {
      correlationId: run.data.correlationId,
      context: plan.context,
      namespace: plan.namespace,
      deployment: colours.live,
      service: colours.service,
      colourKey: colours.colourKey,
      colour: colours.liveColour,
    },
    { delayMs: run.service.gracePeriod },
  );
  return {
    decision: 'succeeded',
    detail: `${colours.idleColour} now serves ${plan.to.version}; ${colours.liveColour} kept for ${Math.round(run.service.gracePeriod / 1000)} s`,
  };
}

async function rollIdle(run: DeployRun<DeployPlan>): Promise<DeployOutcome | undefined> {
  const { plan, cluster } = run;
  const colours = plan.bluegreen!;
  const live = await cluster.readDeployment(plan.namespace, colours.live);
  if (!live)
    throw new UserError(`The live colour ${plan.namespace}/${colours.live} disappeared; nothing was switched.`, {
      code: 'deployment_missing',
    });
  const cause = changeCause(plan, run.data.requestedBy.userId);
  let idle;
  if (run.resumedAt === 'idle-rolled') {
    idle = await cluster.readDeployment(plan.namespace, colours.idle);
  } else if (await cluster.readDeployment(plan.namespace, colours.idle)) {
    idle = await cluster.scaleDeployment(plan.namespace, colours.idle, live.desired, {
      container: plan.container,
      image: plan.to.image,
      changeCause: cause,
    });
  } else {
    const labels: Record<string, string> = {
      ...live.template.metadata?.labels,
      [colours.colourKey]: colours.idleColour,
    };
    delete labels['pod-template-hash'];
    const containers = (live.template.spec.containers as { name: string; image: string }[]).map((container) =>
      container.name === plan.container ? { ...container, image: plan.to.image } : container,
    );
    idle = await cluster.createDeployment(plan.namespace, {
      name: colours.idle,
      labels,
      selector: { ...live.selector, [colours.colourKey]: colours.idleColour },
      replicas: live.desired,
      template: {
        ...live.template,
        metadata: { ...live.template.metadata, labels },
        spec: { ...live.template.spec, containers },
      },
      annotations: { 'kubernetes.io/change-cause': cause },
    });
  }
  if (!idle)
    throw new UserError(`The idle colour ${plan.namespace}/${colours.idle} disappeared during the deploy.`, {
      code: 'deployment_missing',
    });
  await run.checkpoint('idle-rolled');
  const result = await run.follow(idle);
  if (result.verdict.state === 'complete') return undefined;
  if (result.verdict.state === 'cancelled') {
    await cluster.scaleDeployment(plan.namespace, colours.idle, 0).catch(() => undefined);
    run.set({
      phase: 'cancelled',
      note: `Traffic never left ${colours.liveColour}; ${colours.idleColour} was scaled to 0.`,
    });
    return { decision: 'cancelled', detail: `cancelled before the switch; ${colours.liveColour} still serves` };
  }
  return giveUp(run, result.verdict.message);
}

// Before the switch nothing reached users: the automatic rollback is to leave traffic where it was
// and scale the idle colour back to zero.
async function giveUp(run: DeployRun<DeployPlan>, why: string): Promise<DeployOutcome> {
  const colours = run.plan.bluegreen!;
  await run.cluster.scaleDeployment(run.plan.namespace, colours.idle, 0).catch(() => undefined);
  const rolledBack = run.service.autoRollback;
  run.set({
    phase: rolledBack ? 'rolled-back' : 'failed',
    failure: why,
    note: `Traffic never left ${colours.liveColour}${rolledBack ? `; ${colours.idleColour} was scaled back to 0` : ''}.`,
  });
  return { decision: rolledBack ? 'rolled-back' : 'failed', detail: `${why}; traffic stayed on ${colours.liveColour}` };
}
