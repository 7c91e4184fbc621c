import { changeCause, tagOf, type DeployPlan, type WorkloadPlan } from '../../core/plan.ts';
import type { DeploymentState } from '../../core/rollout.ts';
import { UserError } from '../../core/user-error.ts';
import { explainKube } from '../kube-errors.ts';
import { checkHealth } from './health.ts';
import type { DeployOutcome } from './rolling.ts';
import type { DeployRun } from './run.ts';

// Blue-green: roll the idle colour to the new version, wait until all of it is ready, check health,
// then switch the Service's selector in one guarded patch. The old colour stays up for the grace
// period (so switching back is instant), then a delayed job scales it to zero.
export async function blueGreenDeploy(run: DeployRun<DeployPlan>): Promise<DeployOutcome> {
  const { plan } = run;
  const colours = plan.bluegreen;
  if (!colours) throw new UserError('This blue-green plan has no colours; plan it again.', { code: 'plan_incomplete' });
  run.set({
    phase: 'rolling',
    colour: { from: colours.liveColour, to: colours.idleColour, switched: run.resumedAt === 'switched' },
  });
  if (run.resumedAt !== 'switched') {
    const idle = await rollIdle(run);
    if (idle) return idle;
    const unhealthy = await checkIdleHealth(run);
    if (unhealthy) return unhealthy;
    if (run.cancelledBy()) return cancelBeforeSwitch(run, colours);
    await switchTraffic(run, colours);
  }
  run.set({ phase: 'succeeded', colour: { from: colours.liveColour, to: colours.idleColour, switched: true } });
  await scheduleRetire(run, colours);
  const kept = `${colours.liveColour} kept for ${Math.round(run.service.gracePeriod / 1000)} s`;
  return { decision: 'succeeded', detail: `${colours.idleColour} now serves ${plan.to.version}; ${kept}` };
}

type Colours = NonNullable<WorkloadPlan['bluegreen']>;

async function checkIdleHealth(run: DeployRun<DeployPlan>): Promise<DeployOutcome | undefined> {
  const check = run.service.healthCheck;
  if (!check) return undefined;
  run.set({ phase: 'verifying' });
  const health = await checkHealth(check.url, run.plan.env, check.expectStatus, check.timeout);
  return health.ok ? undefined : giveUp(run, health.detail);
}

// One guarded patch of the Service's selector: it fails if the Service changed since it was read.
async function switchTraffic(run: DeployRun<DeployPlan>, colours: Colours): Promise<void> {
  const { plan, cluster } = run;
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
  const { liveColour, idleColour } = colours;
  const switched = `:twisted_rightwards_arrows: Traffic switched from ${liveColour} to ${idleColour}.`;
  await run.note(`${switched} ${liveColour} stays up for the grace period, then scales to 0.`);
}

// The colour that no longer serves stays up for the grace period (so switching back is instant).
export async function scheduleRetire<P extends WorkloadPlan>(run: DeployRun<P>, colours: Colours): Promise<void> {
  const { plan } = run;
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
}

async function rollIdle(run: DeployRun<DeployPlan>): Promise<DeployOutcome | undefined> {
  const { plan, cluster } = run;
  const colours = plan.bluegreen!;
  const live = await cluster.readDeployment(plan.namespace, colours.live);
  if (!live)
    throw new UserError(`The live colour ${plan.namespace}/${colours.live} disappeared; nothing was switched.`, {
      code: 'deployment_missing',
    });
  const idle = await idleAtNewVersion(run, colours, live);
  if (!idle)
    throw new UserError(`The idle colour ${plan.namespace}/${colours.idle} disappeared during the deploy.`, {
      code: 'deployment_missing',
    });
  await run.checkpoint('idle-rolled');
  const result = await run.follow(idle);
  // As a rolling deploy does: the idle colour's pods are the release's, and a rollout that completed before its
  // pods were read would otherwise end "succeeded" beside "0/2 ready".
  if (result.verdict.state === 'complete') {
    run.set({ ready: result.state.available, desired: result.state.desired });
    return undefined;
  }
  if (result.verdict.state === 'cancelled') return cancelBeforeSwitch(run, colours);
  return giveUp(run, result.verdict.message);
}

// Cancelled before the switch: traffic never moved, so putting back is scaling the idle colour to 0
// (`--leave`: it stays as it is, still rolling).
async function cancelBeforeSwitch(run: DeployRun<DeployPlan>, colours: Colours): Promise<DeployOutcome> {
  const who = run.cancelledBy();
  const by = who ? `<@${who.by}> cancelled it` : 'the worker stopped';
  const leave = who?.leave ?? true;
  if (!leave) await run.cluster.scaleDeployment(run.plan.namespace, colours.idle, 0).catch(() => undefined);
  const idle = leave ? `${colours.idleColour} was left as it is` : `${colours.idleColour} was scaled to 0`;
  const live = `${colours.liveColour} (${tagOf(run.plan.from.image)})`;
  const failure = `${by}${who?.leave ? ' with --leave' : ''}; traffic never left ${live}, ${idle}`;
  run.set({ phase: 'cancelled', failure });
  return { decision: 'cancelled', detail: `${failure}; ${colours.liveColour} still serves` };
}

// The idle colour at the live colour's size, running the new image: already rolled (a resumed job),
// scaled up if it exists, or created as a copy of the live colour.
async function idleAtNewVersion(run: DeployRun<DeployPlan>, colours: Colours, live: DeploymentState) {
  const { plan, cluster } = run;
  const cause = changeCause(plan, run.data.requestedBy.userId);
  if (run.resumedAt === 'idle-rolled') return cluster.readDeployment(plan.namespace, colours.idle);
  if (await cluster.readDeployment(plan.namespace, colours.idle))
    return cluster.scaleDeployment(plan.namespace, colours.idle, live.desired, {
      container: plan.container,
      image: plan.to.image,
      changeCause: cause,
    });
  const labels: Record<string, string> = {
    ...live.template.metadata?.labels,
    [colours.colourKey]: colours.idleColour,
  };
  delete labels['pod-template-hash'];
  const containers = (live.template.spec.containers as { name: string; image: string }[]).map((container) =>
    container.name === plan.container ? { ...container, image: plan.to.image } : container,
  );
  return cluster.createDeployment(plan.namespace, {
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

// Before the switch nothing reached users: the automatic rollback is to leave traffic where it was
// and scale the idle colour back to zero.
async function giveUp(run: DeployRun<DeployPlan>, why: string): Promise<DeployOutcome> {
  const colours = run.plan.bluegreen!;
  await run.cluster.scaleDeployment(run.plan.namespace, colours.idle, 0).catch(() => undefined);
  const rolledBack = run.service.autoRollback;
  const scaledBack = rolledBack ? `; ${colours.idleColour} was scaled back to 0` : '';
  run.set({
    phase: rolledBack ? 'rolled-back' : 'failed',
    failure: why,
    note: `Traffic never left ${colours.liveColour}${scaledBack}.`,
  });
  return { decision: rolledBack ? 'rolled-back' : 'failed', detail: `${why}; traffic stayed on ${colours.liveColour}` };
}
