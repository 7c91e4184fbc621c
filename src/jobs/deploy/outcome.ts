import { z } from 'zod';
import type { MessageRef } from '../../adapters/slack.ts';
import type { View } from '../../bot/views/blocks.ts';
import { headlineWords, isFinal } from '../../bot/views/deploy.ts';
import {
  notRunMentionView,
  outcomeMarker,
  outcomeMentionView,
  supersededMentionView,
} from '../../bot/views/outcome.ts';
import { planTarget, type WorkloadPlan } from '../../core/plan.ts';
import { UserError } from '../../core/user-error.ts';
import { applyApprovalEvent } from '../approval-effects.ts';
import type { ProcessorDeps } from '../processor.ts';
import type { ChangeData, DeployRun } from './run.ts';

const thread = z.object({
  messages: z
    .array(z.object({ blocks: z.array(z.object({ block_id: z.string().optional() }).loose()).optional() }).loose())
    .default([]),
});

// Posts a reply in a thread once. A worker that took the job over after a crash, or a retry, finds the
// reply an earlier attempt posted by its block_id in the thread itself (conversations.replies), so
// no record can disagree with what Slack shows and a crash between posting and recording changes nothing.
export async function replyOnce(deps: ProcessorDeps, parent: MessageRef, marker: string, message: View): Promise<void> {
  try {
    const replies = thread.parse(
      await deps.slack.call('conversations.replies', { channel: parent.channel, ts: parent.ts, limit: 200 }),
    );
    if (replies.messages.some((reply) => reply.blocks?.some((block) => block.block_id === marker))) return;
    await deps.slack.postMessage(parent.channel, message, parent.ts);
  } catch (error) {
    deps.logger.error({ err: error, marker }, 'could not tell people how the change ended');
  }
}

export async function approversOf(deps: ProcessorDeps, approvalId: string | undefined): Promise<string[]> {
  if (!approvalId) return [];
  const record = await deps.approvals.get(approvalId).catch(() => undefined);
  return record?.request.approvals.map((approval) => approval.userId) ?? [];
}

// The change ended: one reply under its progress message @-mentions the requester and its approvers
// with the outcome, so Slack notifies them (an edited message notifies nobody).
export async function announceOutcome(run: DeployRun): Promise<void> {
  const { progress, data, plan, jobId, deps } = run;
  if (!isFinal(progress.phase)) return;
  const { icon, words } = headlineWords({ plan, jobId, requester: data.requestedBy.userId, progress });
  const mention = outcomeMentionView({
    plan,
    jobId,
    requester: data.requestedBy.userId,
    approvers: await approversOf(deps, data.approvalId),
    icon,
    words,
    detail: progress.failure,
  });
  await replyOnce(deps, run.reporter.ref, outcomeMarker(jobId, 'outcome'), mention);
}

function whyNotRun(error: unknown): string {
  if (error instanceof UserError) return error.message;
  return `it could not start (${error instanceof Error ? error.message : String(error)}); nothing was changed.`;
}

// Refused as it came to run, before any progress message existed: the approval message must stop
// saying it runs ("Approved, not run: why"), and the people who approved it are told in its thread.
export async function refusedAtExecution(
  deps: ProcessorDeps,
  data: ChangeData<WorkloadPlan>,
  jobId: string,
  error: unknown,
): Promise<void> {
  if (!data.approvalId) return;
  const why = whyNotRun(error);
  const event = { type: 'not-run', reason: why, at: deps.now() } as const;
  try {
    await applyApprovalEvent(deps, data.approvalId, event, 'ops-bot', data.correlationId);
    const record = await deps.approvals.get(data.approvalId);
    if (!record?.message || record.request.status !== 'not-run') return;
    const approvers = record.request.approvals.map((approval) => approval.userId);
    const mention = notRunMentionView({ plan: data.plan, jobId, requester: data.requestedBy.userId, approvers, why });
    await replyOnce(deps, record.message, outcomeMarker(jobId, 'not-run'), mention);
  } catch (failure) {
    deps.logger.error({ err: failure, approvalId: data.approvalId }, 'could not mark the approval as not run');
  }
}

// A change to the target started: requests still waiting to change it were planned against what ran
// before, so they are marked superseded (their buttons go) and their requesters are told.
export async function supersedeWaiting(deps: ProcessorDeps, data: ChangeData<WorkloadPlan>, by: string): Promise<void> {
  const waiting = await deps.approvals.pendingFor(planTarget(data.plan), ['deploy', 'rollback'], data.approvalId);
  for (const record of waiting) {
    const event = { type: 'supersede', by, at: deps.now() } as const;
    const result = await applyApprovalEvent(deps, record.request.id, event, 'ops-bot', data.correlationId);
    if (!result?.decision.answer.accepted || !record.message) continue;
    await replyOnce(
      deps,
      record.message,
      outcomeMarker(record.request.id, 'superseded'),
      supersededMentionView(record.request.requester, record.request.id, by),
    );
  }
}
