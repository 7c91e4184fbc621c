import { planSubject, versionWords, type Plan } from '../../core/plan.ts';
import { code, section, view, type View } from './blocks.ts';

// The one thread reply that tells people how a change ended. Its block_id names the job and what the
// reply is, so a worker that takes the job over can find it in the thread instead of posting it twice.
export function outcomeMarker(jobId: string, what: 'outcome' | 'not-run' | 'superseded'): string {
  return `${what}:${jobId}`;
}

export type OutcomeMention = {
  plan: Plan;
  jobId: string;
  requester: string;
  approvers: string[];
  // The outcome as the progress message's headline says it ("failed and rolled back") and, when it helps, why.
  icon: string;
  words: string;
  detail?: string | undefined;
};

// "<@U1> <@U2> checkout 1.4.6 to staging: failed and rolled back — image not found (job `deploy-…`)"
export function outcomeMentionView(state: OutcomeMention): View {
  const detail = state.detail ? ` — ${state.detail}` : '';
  const line = `${mentions(state)} ${subject(state.plan)}: *${state.words}*${detail} (job ${code(state.jobId)})`;
  return marked(`${state.icon} ${line}`, outcomeMarker(state.jobId, 'outcome'));
}

// Told privately to whoever asked for a change whose worker died for good (jobs/interrupted.ts): the
// same words as its message and its audit row.
export function interruptedReplyView(what: string, jobId: string, reason: string): View {
  const text = `:warning: Your ${what} was *interrupted*: ${reason} (job ${code(jobId)})`;
  return view(text, [section(text)]);
}

// Told in the approval request's thread when the approved change was refused as it came to run.
export function notRunMentionView(state: Omit<OutcomeMention, 'icon' | 'words'> & { why: string }): View {
  const line = `${mentions(state)} Approved, not run: ${state.why}`;
  return marked(`:warning: ${line}`, outcomeMarker(state.jobId, 'not-run'));
}

// Told in a waiting request's thread when another change to the same target started before it.
export function supersededMentionView(requester: string, approvalId: string, by: string): View {
  const line = `<@${requester}> Superseded: ${by} started, so this request's plan no longer matches what runs. Nothing of it ran; run the command again to plan against what runs now.`;
  return marked(`:fast_forward: ${line}`, outcomeMarker(approvalId, 'superseded'));
}

function mentions(state: { requester: string; approvers: string[] }): string {
  const people = [state.requester, ...state.approvers.filter((id) => id !== state.requester)];
  return [...new Set(people)].map((id) => `<@${id}>`).join(' ');
}

function subject(plan: Plan): string {
  if (plan.kind === 'rollback') return `rollback of *${plan.service}* to ${code(plan.to.version)} in *${plan.env}*`;
  return plan.kind === 'deploy' ? `*${plan.service}* ${code(versionWords(plan))} to *${plan.env}*` : planSubject(plan);
}

function marked(text: string, blockId: string): View {
  return view(text, [{ ...section(text), block_id: blockId }]);
}
