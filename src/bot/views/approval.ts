import {
  approversText,
  describePolicy,
  seatsFilled,
  type Approval,
  type ApprovalRequest,
} from '../../core/approval.ts';
import { esc } from '../../core/mrkdwn.ts';
import { planSubject, planSummary, versionWords, type Plan } from '../../core/plan.ts';
import { utcTime } from '../../core/policy.ts';
import { actions, code, context, header, section, view, type Block, type View } from './blocks.ts';
import { planFields, warningBlocks } from './plan.ts';

export type ApprovalViewState = {
  request: ApprovalRequest;
  plan: Plan;
  breakGlass: string | undefined;
  freeze: string | undefined;
  executionJobId: string | undefined;
  // A mutable tag's digest, as the ledger recorded it once the release rolled out.
  resolvedDigest?: string | undefined;
};

export const APPROVE = 'approval_approve';
export const REJECT = 'approval_reject';
export const CANCEL = 'approval_cancel';

const VERBS: Record<Plan['kind'], string> = { deploy: 'deploy', rollback: 'roll back', restore: 'restore' };

function who(approvals: Approval[]): string {
  return approvals
    .map((approval) => `<@${approval.userId}> (${approval.via === 'button' ? 'button' : ':white_check_mark:'})`)
    .join(', ');
}

function progress(request: ApprovalRequest): string {
  const { normal, breakGlass } = request.policy;
  const filled = seatsFilled(request.policy, request.approvals);
  const parts: string[] = [];
  if (normal) parts.push(`${filled.normal} of ${normal.required}`);
  if (breakGlass) parts.push(`break-glass ${filled.breakGlass} of ${breakGlass.required}`);
  return parts.join(', ');
}

// The outcome in one sentence, naming every approver: the message's final text.
export function outcomeText(state: ApprovalViewState): string {
  const { request } = state;
  const approvers = request.approvals.length > 0 ? who(request.approvals) : 'nobody';
  switch (request.status) {
    case 'pending':
      return `Waiting for approval (${progress(request)}). Approved so far by ${approvers}.`;
    case 'approved': {
      const running = state.executionJobId ? `; running as job ${code(state.executionJobId)}` : '';
      return `Approved by ${approvers} at ${decidedAt(request)}${running}.`;
    }
    case 'rejected': {
      // The reason right after the name ("Rejected by @carol: too risky"), as people quote it.
      const by = `Rejected by <@${request.decidedBy}>`;
      const when = decidedAt(request);
      const said = request.reason ? `${by}: ${esc(request.reason)} (at ${when})` : `${by} at ${when}`;
      return `${said}. ${approvedBefore(approvers)}`;
    }
    case 'expired': {
      const expiredAt = utcTime(request.policy.expiresAt);
      return `Expired at ${expiredAt} with ${progress(request)} approvals (${approvers}). Nothing ran.`;
    }
    case 'cancelled':
      return `Cancelled by <@${request.decidedBy}> at ${decidedAt(request)}. ${approvedBefore(approvers)}`;
    case 'not-run':
      return `Approved, not run: ${request.reason ?? 'refused when it came to run'} (approved by ${approvers}).`;
    case 'superseded':
      return `Superseded: ${request.reason ?? 'another change'} started. Nothing of this request ran.`;
  }
}

function decidedAt(request: ApprovalRequest): string {
  return utcTime(request.decidedAt ?? new Date());
}

function approvedBefore(approvers: string): string {
  return `Approved before that by ${approvers}. Nothing ran.`;
}

const ICONS = {
  pending: ':lock:',
  approved: ':white_check_mark:',
  rejected: ':no_entry:',
  expired: ':hourglass:',
  cancelled: ':heavy_multiplication_x:',
  'not-run': ':warning:',
  superseded: ':fast_forward:',
} as const;

function headline(state: ApprovalViewState): string {
  const { request, plan } = state;
  const asking = request.status === 'pending' ? 'Approval needed' : 'Approval request';
  const subject = plan.kind === 'restore' ? `${plan.database} in` : `${plan.service} to`;
  const glass = state.breakGlass !== undefined ? ' (BREAK-GLASS)' : '';
  return `${asking}: ${VERBS[plan.kind]} ${subject} ${plan.env}${glass}`;
}

function askedFor(plan: Plan): string {
  return plan.kind === 'restore'
    ? `restore ${code(plan.backupId)} of *${plan.database}* into a new ${code(plan.target)} (${plan.env})`
    : `${VERBS[plan.kind]} *${plan.service}* ${code(versionWords(plan))} to *${plan.env}*`;
}

function breakGlassLine(state: ApprovalViewState): string {
  return `:rotating_light: *BREAK-GLASS* during the freeze ${code(state.freeze ?? 'freeze')}: ${state.breakGlass}`;
}

function decisionButtons(request: ApprovalRequest): Block {
  return actions(`approval:${request.id}`, [
    { actionId: APPROVE, text: 'Approve', value: request.id, style: 'primary' },
    // No confirm dialog: the button opens a form (with an optional reason) that is the confirmation.
    { actionId: REJECT, text: 'Reject', value: request.id, style: 'danger' },
  ]);
}

function requestIds(request: ApprovalRequest): string {
  return `Request ${code(request.id)}, plan ${code(request.planHash)}.`;
}

const REACTION_HINT = 'Or react :white_check_mark: to approve, :x: to reject.';

export function approvalRequestView(state: ApprovalViewState): View {
  const { request, plan } = state;
  const glass = state.breakGlass !== undefined;
  const title = `${glass ? ':rotating_light: BREAK-GLASS ' : ''}${VERBS[plan.kind]} ${planSubject(plan)}`;
  const blocks: Block[] = [
    header(headline(state)),
    section(`<@${request.requester}> asks to ${askedFor(plan)}.`),
    planFields(plan),
    ...warningBlocks(plan),
  ];
  if (glass) blocks.push(section(breakGlassLine(state)));
  blocks.push(section(`*Policy:* ${describePolicy(request.policy, utcTime)}`));
  blocks.push(section(`${ICONS[request.status]} *${outcomeText(state)}*`));
  if (state.resolvedDigest && plan.kind === 'deploy')
    blocks.push(
      section(`:label: ${code(plan.to.version)} resolved to ${code(state.resolvedDigest)} when it rolled out.`),
    );
  if (request.status === 'pending') {
    blocks.push(decisionButtons(request));
    blocks.push(context(`${REACTION_HINT} Approvers: ${approversText(request.policy)}. ${requestIds(request)}`));
  } else {
    blocks.push(context(requestIds(request)));
  }
  return view(`${ICONS[request.status]} ${title}: ${planSummary(plan)}. ${outcomeText(state)}`, blocks);
}

// What the requester sees privately while others decide, with a way to take it back.
export function approvalWaitingView(state: ApprovalViewState, channel: string): View {
  const { request } = state;
  const text =
    request.status === 'pending'
      ? `Waiting for approval in <#${channel}>: ${describePolicy(request.policy, utcTime)}.`
      : `${ICONS[request.status]} ${outcomeText(state)}`;
  const blocks: Block[] = [
    section(request.status === 'pending' ? `:hourglass_flowing_sand: ${text}` : text),
    context(code(planSummary(state.plan))),
  ];
  if (request.status === 'pending')
    blocks.push(
      actions(`approval-own:${request.id}`, [{ actionId: CANCEL, text: 'Cancel request', value: request.id }]),
    );
  return view(text, blocks);
}
