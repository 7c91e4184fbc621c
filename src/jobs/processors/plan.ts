import { dryRunView } from '../../bot/views/plan.ts';
import { describePolicy } from '../../core/approval.ts';
import { planSummary, planTarget, tagOf } from '../../core/plan.ts';
import { gateFor, utcTime } from '../../core/policy.ts';
import { environmentOf } from '../../core/targets.ts';
import { submitChange } from '../change-gate.ts';
import { planDeploy } from '../preflight.ts';
import type { Processor } from '../processor.ts';
import { replyToRequester } from '../reply.ts';

// Pre-flight when the command's own 1.5 s budget was not enough (or it brought a plan already),
// then the gate.
export const planProcessor: Processor<'plan'> = async ({ data, deps, job }) => {
  const plan = data.plan ?? await planDeploy(deps, data.change, data.requestedBy.userId);
  if (data.change.dryRun) {
    const gate = gateFor(environmentOf(deps.catalog, plan.env), 'deploy', data.change.breakGlass, deps.now());
    const needs = gate.verdict === 'proceed' && gate.policy ? describePolicy(gate.policy, utcTime) : undefined;
    await deps.audit.record({ event: 'result', decision: 'dry-run', actor: data.requestedBy.userId, correlationId: data.correlationId, channel: data.channelId, action: 'deploy.dry-run', target: planTarget(plan), jobId: job.id, reason: planSummary(plan), details: { from: tagOf(plan.from.image), to: plan.to.version } });
    await replyToRequester(deps.slack, data, dryRunView(plan, needs));
    return { dryRun: true, plan: planSummary(plan) };
  }
  return submitChange(deps, { plan, envelope: data, planJobId: job.id ?? 'plan-unknown' });
};
