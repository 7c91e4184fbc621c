import { randomBytes } from 'node:crypto';
import { approvalRequestView, approvalWaitingView } from '../bot/views/approval.ts';
import { startingView } from '../bot/views/plan.ts';
import { newApprovalRequest, type ApprovalPolicy } from '../core/approval.ts';
import type { FreezePeriod } from '../core/freeze.ts';
import { planHash, planSummary, planTarget, warningDetails, type Plan } from '../core/plan.ts';
import { gateFor, utcDateTime } from '../core/policy.ts';
import { environmentOf } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import { platformErrorCode } from '../adapters/slack.ts';
import type { JobEnvelope } from './job-data.ts';
import type { ProcessorDeps } from './processor.ts';
import { replyToRequester } from './reply.ts';

export type ChangeSubmission = { plan: Plan; envelope: JobEnvelope; planJobId: string };

const BREAK_GLASS_HINT =
  'If this cannot wait, add --break-glass "why" : it then also needs the environment\'s break-glass approvers, and it is marked BREAK-GLASS in the audit log.';
const NO_BREAK_GLASS_HINT = 'This environment has no break-glass policy, so nothing can override the freeze.';

export function frozenError(name: string, end: Date, breakGlassPossible: boolean): UserError {
  const freeze = name === 'freeze' ? 'A freeze' : `The freeze "${name}"`;
  return new UserError(`${freeze} is in force until ${utcDateTime(end)}; production changes are refused until then.`, {
    hint: breakGlassPossible ? BREAK_GLASS_HINT : NO_BREAK_GLASS_HINT,
    code: 'frozen',
  });
}

// A change that needs approval, as the gate found it.
type Approval = {
  policy: ApprovalPolicy;
  freeze: FreezePeriod | undefined;
  approvalChannel: string | undefined;
  now: Date;
};

// The gate every change passes, whatever its kind: /deploy, /rollback and /restore call this once
// their plan is known. No approval needed → the change is enqueued; otherwise an approval request
// is stored (with its audit row, in one transaction), posted, mirrored, and given an expiry.
export async function submitChange(
  deps: ProcessorDeps,
  submission: ChangeSubmission,
): Promise<{ jobId?: string; approvalId?: string }> {
  const { plan } = submission;
  const env = environmentOf(deps.catalog, plan.env);
  const now = deps.now();
  const gate = gateFor(env, plan.kind, plan.breakGlass, now);
  if (gate.verdict === 'frozen') throw frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
  if (!gate.policy) return { jobId: await startNow(deps, submission) };
  const approval = { policy: gate.policy, freeze: gate.freeze, approvalChannel: env.approvalChannel, now };
  return { approvalId: await requestApproval(deps, submission, approval) };
}

async function startNow(deps: ProcessorDeps, { plan, envelope, planJobId }: ChangeSubmission): Promise<string> {
  const jobId = `${plan.kind}-${planJobId.slice(planJobId.indexOf('-') + 1)}`;
  await deps.queues.enqueueChange(jobId, { ...envelope, plan, planHash: planHash(plan) });
  await replyToRequester(deps.slack, envelope, startingView(plan, jobId));
  return jobId;
}

const NO_CHANNEL = 'Approval requests are posted in the channel the command came from, and this one has none.';

async function requestApproval(deps: ProcessorDeps, submission: ChangeSubmission, approval: Approval): Promise<string> {
  const { plan, envelope } = submission;
  const channel = envelope.channelId;
  if (!channel) throw new UserError(NO_CHANNEL, { code: 'no_channel' });
  const id = `apr-${randomBytes(8).toString('hex')}`;
  const request = newApprovalRequest(id, envelope.requestedBy.userId, planHash(plan), approval.policy);
  const freeze = approval.freeze?.name;
  const breakGlass = approval.freeze ? plan.breakGlass : undefined;
  await storeRequest(deps, submission, {
    id,
    request,
    channel,
    freeze,
    breakGlass,
    expiresAt: approval.policy.expiresAt,
  });
  const state = { request, plan, breakGlass, freeze, executionJobId: undefined };
  const message = await postRequest(deps, channel, approvalRequestView(state));
  const mirror = await mirrorRequest(deps, approval.approvalChannel, channel, approvalRequestView(state));
  const permalink = await deps.slack.permalink(message).catch(() => undefined);
  await deps.approvals.attachMessages(id, message, mirror, permalink);
  await deps.queues.enqueue(
    'approval-expire',
    `approval-expire-${id.slice(4)}`,
    { correlationId: envelope.correlationId, approvalId: id },
    { delayMs: Math.max(0, approval.policy.expiresAt.getTime() - approval.now.getTime()) },
  );
  await replyToRequester(deps.slack, envelope, approvalWaitingView(state, message.channel));
  return id;
}

type NewRequest = {
  id: string;
  request: ReturnType<typeof newApprovalRequest>;
  channel: string;
  freeze: string | undefined;
  breakGlass: string | undefined;
  expiresAt: Date;
};

// The request and its audit row, stored together.
async function storeRequest(deps: ProcessorDeps, submission: ChangeSubmission, stored: NewRequest): Promise<void> {
  const { plan, envelope, planJobId } = submission;
  const { id, request, channel, freeze, breakGlass } = stored;
  const hash = planHash(plan);
  await deps.approvals.create(
    {
      request,
      kind: plan.kind,
      env: plan.env,
      target: planTarget(plan),
      team: envelope.requestedBy.teamId,
      channel,
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
      channel,
      action: `${plan.kind}.approval`,
      target: planTarget(plan),
      planHash: hash,
      jobId: planJobId,
      reason: breakGlass ? `BREAK-GLASS during freeze "${freeze}": ${breakGlass}` : plan.reason,
      details: {
        plan: planSummary(plan),
        ...warningDetails(plan),
        approvalId: id,
        expiresAt: stored.expiresAt.toISOString(),
        ...(breakGlass ? { breakGlass: true } : {}),
      },
    },
  );
}

// The environment's approval channel, when it is another one, gets a copy approvers can act on.
async function mirrorRequest(
  deps: ProcessorDeps,
  approvalChannel: string | undefined,
  channel: string,
  view: ReturnType<typeof approvalRequestView>,
): Promise<Awaited<ReturnType<ProcessorDeps['slack']['postMessage']>> | undefined> {
  if (!approvalChannel || approvalChannel === channel) return undefined;
  return deps.slack.postMessage(approvalChannel, view).catch((error: unknown) => {
    deps.logger.warn({ err: error, channel: approvalChannel }, 'could not mirror the approval request');
    return undefined;
  });
}

// In a channel the bot cannot post to (a DM with someone else, a private channel it is not in),
// the request cannot be seen by approvers: say so rather than fail silently.
async function postRequest(deps: ProcessorDeps, channel: string, view: ReturnType<typeof approvalRequestView>) {
  try {
    return await deps.slack.postMessage(channel, view);
  } catch (error) {
    const code = platformErrorCode(error);
    if (code === 'channel_not_found' || code === 'not_in_channel' || code === 'is_archived') {
      const cannot = `ops-bot cannot post the approval request in this channel (${code})`;
      throw new UserError(`${cannot}, so approvers could not see it. Nothing was started.`, {
        hint: 'Run the command in a channel ops-bot is in (invite it with /invite @ops-bot).',
        code,
      });
    }
    throw error;
  }
}
