import { changeCause, tagOf, type DeployPlan } from '../../core/plan.ts';
import { UserError } from '../../core/user-error.ts';
import { explainKube } from '../kube-errors.ts';
import { checkHealth } from './health.ts';
import { rollingDeploy, type DeployOutcome } from './rolling.ts';
import type { DeployRun } from './run.ts';

// Canary: a `<name>-canary` Deployment on the new version beside stable, sized at each step's share
// of stable's replicas, held and health-checked; Promote skips ahead, Abort (or a failed step) scales
// the canary to zero and never touches stable. The last step rolls stable and removes the canary.
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
  for (let index = firstStep; index < steps.length && run.resumedAt !== 'stable-patched'; index += 1) {
    const percent = steps[index]!;
    const replicas = Math.max(1, Math.ceil((stable.desired * percent) / 100));
    run.set({ phase: 'rolling', step: { index: index + 1, count: canary.steps.length, percent, replicas } });
    const state = await scaleCanary(run, stable, replicas);
    await run.checkpoint('canary-step', { step: index });
    const result = await run.follow(state);
    if (result.verdict.state === 'cancelled') return cancelCanary(run);
    if (result.verdict.state !== 'complete')
      return abort(run, `step ${index + 1} (${percent}%): ${result.verdict.message}`);
    run.set({ phase: 'holding' });
    const held = await run.hold(canary.holdMs);
    if (held === 'cancel') return cancelCanary(run);
    if (held === 'abort') return abort(run, 'aborted by a person');
    if (run.service.healthCheck) {
      const health = await checkHealth(
        run.service.healthCheck.url,
        plan.env,
        run.service.healthCheck.expectStatus,
        run.service.healthCheck.timeout,
      );
      if (!health.ok) return abort(run, `step ${index + 1} (${percent}%): ${health.detail}`);
    }
    if (held === 'promote') {
      await run.note(':fast_forward: Promoted: skipping the remaining canary steps.');
      break;
    }
  }
  run.set({ step: { index: canary.steps.length, count: canary.steps.length, percent: 100, replicas: stable.desired } });
  const outcome = await rollingDeploy(run);
  if (outcome.decision === 'succeeded') await cluster.deleteDeployment(plan.namespace, canary.name);
  else await cluster.scaleDeployment(plan.namespace, canary.name, 0).catch(() => undefined);
  return outcome;
}

async function scaleCanary(
  run: DeployRun<DeployPlan>,
  stable: NonNullable<Awaited<ReturnType<DeployRun['cluster']['readDeployment']>>>,
  replicas: number,
) {
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
