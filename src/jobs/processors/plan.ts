import { dryRunView } from '../../bot/views/plan.ts';
import { planSummary, planTarget, tagOf, warningDetails } from '../../core/plan.ts';
import { planningKey } from '../../core/targets.ts';
import { previewOfPlan } from '../gate-preview.ts';
import { submitChange } from '../change-gate.ts';
import { planDeploy } from '../preflight.ts';
import { planRestore } from '../backup/restore-plan.ts';
import { planRollback } from '../rollback-plan.ts';
import type { Processor, ProcessorInput } from '../processor.ts';
import { replyToRequester } from '../reply.ts';

// Pre-flight when the command's own 1.5 s budget was not enough (or it brought a plan already),
// then the gate.
export const planProcessor: Processor<'plan'> = async ({ data, deps, job }) => {
  try {
    return await planAndSubmit(data, deps, job.id ?? 'plan-unknown');
  } finally {
    await deps.locks.unreserve(planningKey(data.change.service, data.change.env), job.id ?? '').catch(() => undefined);
  }
};

async function planAndSubmit(
  data: ProcessorInput<'plan'>['data'],
  deps: ProcessorInput<'plan'>['deps'],
  jobId: string,
) {
  const { change } = data;
  const plan =
    data.plan ??
    (change.kind === 'deploy'
      ? await planDeploy(deps, change, data.requestedBy.userId)
      : change.kind === 'rollback'
        ? await planRollback(deps, change, data.requestedBy.userId)
        : await planRestore(deps, change));
  if (change.dryRun) {
    const preview = await previewOfPlan(deps, plan, data.requestedBy.userId);
    await deps.audit.record({
      event: 'result',
      decision: 'dry-run',
      actor: data.requestedBy.userId,
      correlationId: data.correlationId,
      channel: data.channelId,
      action: `${plan.kind}.dry-run`,
      target: planTarget(plan),
      jobId,
      reason: planSummary(plan),
      details:
        plan.kind === 'restore'
          ? { backupId: plan.backupId, target: plan.target }
          : { from: tagOf(plan.from.image), to: plan.to.version, verdict: preview.verdict, ...warningDetails(plan) },
    });
    await replyToRequester(deps.slack, data, dryRunView(plan, preview));
    return { dryRun: true, plan: planSummary(plan) };
  }
  return submitChange(deps, { plan, envelope: data, planJobId: jobId });
}
