import { changeCause, tagOf, type DeployPlan } from '../../core/plan.ts';
import { UserError } from '../../core/user-error.ts';
import { explainKube } from '../kube-errors.ts';
import { holdStep, type PauseMemory } from './canary-hold.ts';
import { checkHealth } from './health.ts';
import { rollingDeploy, type DeployOutcome } from './rolling.ts';
import type { DeployRun } from './run.ts';

// Canary: a `<name>-canary` Deployment on the new version beside stable, sized at each step's share
// of stable's replicas, held and health-checked. Promote moves one step, Promote to 100 % skips to the
// end, Pause stops the hold's clock (canary-hold.ts); Abort (or a failed step) scales the canary to
// zero and never touches stable. The last step rolls stable and removes the canary.
export async function canaryDeploy(run: DeployRun<DeployPlan>): Promise<DeployOutcome> {
  const { plan, cluster } = run;
  const canary = plan.canary;
  if (!canary) throw new UserError('This canary plan has no steps; plan it again.', { code: 'plan_incomplete' });
  const stable = await cluster.readDeployment(plan.namespace, plan.deployment);
  if (!stable)
    throw new UserError(`The stable Deployment ${plan.namespace}/${plan.deployment} disappeared.`, {
      code: 'deployment_missing',
    });
  const steps = canary.steps.filter((step) => step < 100);
  const firstStep = run.resumedAt === 'canary-step' ? (run.data.resume?.step ?? 0) : 0;
  const memory: PauseMemory = {};
  for (let index = firstStep; index < steps.length && run.resumedAt !== 'stable-patched'; index += 1) {
    const next = await canaryStep(run, stable, { steps, index, memory });
    if (next === 'end') break;
    if (next !== 'next') return next;
  }
  run.set({
    hold: undefined,
    step: { index: canary.steps.length, count: canary.steps.length, percent: 100, replicas: stable.desired },
  });
  const outcome = await rollingDeploy(run);
  if (outcome.decision === 'succeeded') await removeCanary(run, canary.name);
  else await cluster.scaleDeployment(plan.namespace, canary.name, 0).catch(() => undefined);
  return outcome;
}

// Stable already runs the new version: the release succeeded whatever happens to the canary's Deployment.
// If it cannot be deleted (a Role without delete, an API server hiccup), it is scaled to 0 and the message says
// so, rather than a finished release ending as an error.
async function removeCanary(run: DeployRun<DeployPlan>, name: string): Promise<void> {
  const { cluster, plan } = run;
  const failure = await cluster.deleteDeployment(plan.namespace, name).then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  if (failure === undefined) return;
  const scaled = await cluster.scaleDeployment(plan.namespace, name, 0).then(
    () => 'it was scaled to 0 instead',
    () => 'scaling it to 0 failed too',
  );
  run.deps.logger.warn({ deployment: name, failure }, 'could not delete the canary Deployment');
  const left = `The canary Deployment ${name} could not be deleted (${failure}); ${scaled}. Delete it by hand.`;
  run.set({ note: `:warning: ${left}` });
  await run.note(`:warning: ${left}`);
}

type Stable = NonNullable<Awaited<ReturnType<DeployRun['cluster']['readDeployment']>>>;
type StepAt = { steps: number[]; index: number; memory: PauseMemory };

// One step: scale, follow, hold, check health. 'next' goes on to the next step, 'end' to stable.
async function canaryStep(
  run: DeployRun<DeployPlan>,
  stable: Stable,
  { steps, index, memory }: StepAt,
): Promise<DeployOutcome | 'next' | 'end'> {
  const canary = run.plan.canary!;
  const percent = steps[index]!;
  const replicas = Math.max(1, Math.ceil((stable.desired * percent) / 100));
  run.set({
    phase: 'rolling',
    hold: undefined,
    step: { index: index + 1, count: canary.steps.length, percent, replicas },
  });
  const state = await scaleCanary(run, stable, replicas);
  await run.checkpoint('canary-step', { step: index });
  const result = await run.follow(state);
  if (result.verdict.state === 'cancelled') return cancelCanary(run);
  if (result.verdict.state !== 'complete')
    return abort(run, `step ${index + 1} (${percent}%): ${result.verdict.message}`);
  // The step's own pods are ready; stable's pods serve beside them (the rollout follow saw none "old").
  run.set({ ready: result.state.available, old: stable.desired });
  const next = steps[index + 1] ?? 100;
  const held = await holdStep(run, { index: index + 1, percent, next, ms: canary.holdMs }, memory);
  if (held.kind === 'cancel') return cancelCanary(run);
  if (held.kind === 'abort') return abort(run, `aborted at ${percent} % by <@${held.by ?? 'unknown'}>`);
  const health = await stepHealth(run);
  if (health) return abort(run, `step ${index + 1} (${percent}%): ${health}`);
  if (held.kind !== 'promoted') return 'next';
  const to = held.promotion.to === 'end' ? 100 : next;
  const acts = [...(run.progress.acts ?? []), { kind: 'promoted' as const, percent: to, by: held.promotion.by }];
  run.set({ phase: 'rolling', hold: undefined, acts });
  await run.note(`:fast_forward: Promoted from ${percent} % to ${to} % by <@${held.promotion.by}>.`);
  return to >= 100 ? 'end' : 'next';
}

// Why the canary is unhealthy after its hold, if the service has a health check and it fails.
async function stepHealth(run: DeployRun<DeployPlan>): Promise<string | undefined> {
  const check = run.service.healthCheck;
  if (!check) return undefined;
  const health = await checkHealth(check.url, run.plan.env, check.expectStatus, check.timeout);
  return health.ok ? undefined : health.detail;
}

async function scaleCanary(run: DeployRun<DeployPlan>, stable: Stable, replicas: number) {
  const { plan, cluster } = run;
  const name = plan.canary!.name;
  const cause = changeCause(plan, run.data.requestedBy.userId);
  const existing = await cluster.readDeployment(plan.namespace, name);
  if (existing)
    return cluster
      .scaleDeployment(plan.namespace, name, replicas, {
        container: plan.container,
        image: plan.to.image,
        changeCause: cause,
      })
      .catch((error: unknown) => {
        throw explainKube(error, `scale ${name}`);
      });
  const labels: Record<string, string> = { ...stable.template.metadata?.labels, track: 'canary' };
  delete labels['pod-template-hash'];
  const containers = (stable.template.spec.containers as { name: string; image: string }[]).map((container) =>
    container.name === plan.container ? { ...container, image: plan.to.image } : container,
  );
  return cluster
    .createDeployment(plan.namespace, {
      name,
      labels,
      selector: { ...stable.selector, track: 'canary' },
      replicas,
      template: {
        ...stable.template,
        metadata: { ...stable.template.metadata, labels },
        spec: { ...stable.template.spec, containers },
      },
      annotations: { 'kubernetes.io/change-cause': cause },
    })
    .catch((error: unknown) => {
      throw explainKube(error, `create ${name}`);
    });
}

async function abort(run: DeployRun<DeployPlan>, why: string): Promise<DeployOutcome> {
  await run.cluster.scaleDeployment(run.plan.namespace, run.plan.canary!.name, 0).catch(() => undefined);
  run.set({
    hold: undefined,
    phase: 'aborted',
    failure: why,
    note: `The canary was scaled to 0; stable still runs ${tagOf(run.plan.from.image)}, untouched.`,
  });
  await run.note(`:no_entry_sign: Canary aborted (${why}). Stable untouched.`);
  return { decision: 'aborted', detail: why };
}

// Cancelled during the canary steps: putting back is aborting (stable was never touched); with
// `--leave` the canary keeps its pods and nobody follows it any more.
async function cancelCanary(run: DeployRun<DeployPlan>): Promise<DeployOutcome> {
  const who = run.cancelledBy();
  if (!who?.leave) return abort(run, who ? `cancelled by <@${who.by}>` : 'cancelled during the canary');
  const canary = run.plan.canary!.name;
  const stable = tagOf(run.plan.from.image);
  const failure = `<@${who.by}> cancelled it with --leave: ${canary} was left as it is, stable still runs ${stable}`;
  run.set({ phase: 'cancelled', failure });
  return { decision: 'cancelled', detail: failure };
}
