import { randomBytes } from 'node:crypto';
import { approvalRequestView, approvalWaitingView } from '../bot/views/approval.ts';
import { startingView } from '../bot/views/plan.ts';
import { newApprovalRequest } from '../core/approval.ts';
import { planHash, planSummary, planTarget, type Plan } from '../core/plan.ts';
import { gateFor, utcDateTime } from '../core/policy.ts';
import { environmentOf } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import { platformErrorCode } from '../adapters/slack.ts';
import type { JobEnvelope } from './job-data.ts';
import type { ProcessorDeps } from './processor.ts';
import { replyToRequester } from './reply.ts';

export type ChangeSubmission = { plan: Plan; envelope: JobEnvelope; planJobId: string };

export function frozenError(name: string, end: Date, breakGlassPossible: boolean): UserError {
  return new UserError(
    `${name === 'freeze' ? 'A freeze' : `The freeze "${name}"`} is in force until ${utcDateTime(end)}; production changes are refused until then.`,
    {
      hint: breakGlassPossible
        ? 'If this cannot wait, add --break-glass "why" : it then also needs the environment\'s break-glass approvers, and it is marked BREAK-GLASS in the audit log.'
        : 'This environment has no break-glass policy, so nothing can override the freeze.',
      code: 'frozen',
    },
  );
}

// The gate every change passes, whatever its kind: /deploy, /rollback and /restore call this once
// their plan is known. No approval needed → the change is enqueued; otherwise an approval request
// is stored (with its audit row, in one transaction), posted, mirrored, and given an expiry.
export async function submitChange(
  deps: ProcessorDeps,
  submission: ChangeSubmission,
): Promise<{ jobId?: string; approvalId?: string }> {
  const { plan, envelope, planJobId } = submission;
  const env = environmentOf(deps.catalog, plan.env);
  const now = deps.now();
  const gate = gateFor(env, plan.kind, plan.breakGlass, now);
  if (gate.verdict === 'frozen') throw frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
  const hash = planHash(plan);
  const suffix = planJobId.slice(planJobId.indexOf('-') + 1);
  if (!gate.policy) {
    const jobId = `${plan.kind}-${suffix}`;
    await deps.queues.enqueueChange(jobId, { ...envelope, plan, planHash: hash });
    await replyToRequester(deps.slack, envelope, startingView(plan, jobId));
    return { jobId };
  }
  if (!envelope.channelId)
    throw new UserError('Approval requests are posted in the channel the command came from, and this one has none.', {
      code: 'no_channel',
    });
  const id = `apr-${randomBytes(8).toString('hex')}`;
  const request = newApprovalRequest(id, envelope.requestedBy.userId, hash, gate.policy);
  const freeze = gate.freeze?.name;
  const breakGlass = gate.freeze ? plan.breakGlass : undefined;
  await deps.approvals.create(
    {
      request,
      kind: plan.kind,
      env: plan.env,
      target: planTarget(plan),
      team: envelope.requestedBy.teamId,
      channel: envelope.channelId,
      plan,
      breakGlass,
      freeze,
      responseUrl: envelope.responseUrl,
      planJobId,
      correlationId: envelope.correlationId,
    },
    {
      event: 'approval',
      decision: 'requested',
      actor: envelope.requestedBy.userId,
      correlationId: envelope.correlationId,
      channel: envelope.channelId,
      action: `${plan.kind}.approval`,
      target: planTarget(plan),
      planHash: hash,
      jobId: planJobId,
      reason: breakGlass ? `BREAK-GLASS during freeze "${freeze}": ${breakGlass}` : plan.reason,
      details: {
        plan: planSummary(plan),
        approvalId: id,
        expiresAt: gate.policy.expiresAt.toISOString(),
        ...(breakGlass ? { breakGlass: true } : {}),
      },
    },
  );
  const state = { request, plan, breakGlass, freeze, executionJobId: undefined };
  const message = await postRequest(deps, envelope.channelId, approvalRequestView(state));
  const mirror =
    env.approvalChannel && env.approvalChannel !== envelope.channelId
      ? await deps.slack.postMessage(env.approvalChannel, approvalRequestView(state)).catch((error: unknown) => {
          deps.logger.warn({ err: error, channel: env.approvalChannel }, 'could not mirror the approval request');
          return undefined;
        })
      : undefined;
  const permalink = await deps.slack.permalink(message).catch(() => undefined);
  await deps.approvals.attachMessages(id, message, mirror, permalink);
  await deps.queues.enqueue(
    'approval-expire',
    `approval-expire-${id.slice(4)}`,
    { correlationId: envelope.correlationId, approvalId: id },
    { delayMs: Math.max(0, gate.policy.expiresAt.getTime() - now.getTime()) },
  );
  await replyToRequester(deps.slack, envelope, approvalWaitingView(state, message.channel));
  return { approvalId: id };
}

// In a channel the bot cannot post to (a DM with someone else, a private channel it is not in),
// the request cannot be seen by approvers: say so rather than fail silently.
async function postRequest(deps: ProcessorDeps, channel: string, view: ReturnType<typeof approvalRequestView>) {
  try {
    return await deps.slack.postMessage(channel, view);
  } catch (error) {
    const code = platformErrorCode(error);
    if (code === 'channel_not_found' || code === 'not_in_channel' || code === 'is_archived') {
      throw new UserError(
        `ops-bot cannot post the approval request in this channel (${code}), so approvers could not see it. Nothing was started.`,
        { hint: 'Run the command in a channel ops-bot is in (invite it with /invite @ops-bot).', code },
      );
    }
    throw error;
  }
}
