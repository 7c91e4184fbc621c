import {
  approversText,
  describePolicy,
  seatsFilled,
  type Approval,
  type ApprovalRequest,
} from '../../core/approval.ts';
import { esc } from '../../core/mrkdwn.ts';
import { planSubject, planSummary, type Plan } from '../../core/plan.ts';
import { utcTime } from '../../core/policy.ts';
import { actions, code, context, header, section, view, type Block, type View } from './blocks.ts';
import { planFields } from './plan.ts';

export type ApprovalViewState = {
  request: ApprovalRequest;
  plan: Plan;
  breakGlass: string | undefined;
  freeze: string | undefined;
  executionJobId: string | undefined;
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
    case 'approved':
      return `Approved by ${approvers} at ${utcTime(request.decidedAt ?? new Date())}${state.executionJobId ? `; running as job ${code(state.executionJobId)}` : ''}.`;
    case 'rejected':
      return `Rejected by <@${request.decidedBy}> at ${utcTime(request.decidedAt ?? new Date())}${request.reason ? `: ${esc(request.reason)}` : ''}. Approved before that by ${approvers}. Nothing ran.`;
    case 'expired':
      return `Expired at ${utcTime(request.policy.expiresAt)} with ${progress(request)} approvals (${approvers}). Nothing ran.`;
    case 'cancelled':
      return `Cancelled by <@${request.decidedBy}> at ${utcTime(request.decidedAt ?? new Date())}. Approved before that by ${approvers}. Nothing ran.`;
  }
}

const ICONS = {
  pending: ':lock:',
  approved: ':white_check_mark:',
  rejected: ':no_entry:',
  expired: ':hourglass:',
  cancelled: ':heavy_multiplication_x:',
} as const;

export function approvalRequestView(state: ApprovalViewState): View {
  const { request, plan } = state;
  const glass = state.breakGlass !== undefined;
  const title = `${glass ? ':rotating_light: BREAK-GLASS ' : ''}${VERBS[plan.kind]} ${planSubject(plan)}`;
  const what =
    plan.kind === 'restore'
      ? `restore ${code(plan.backupId)} of *${plan.database}* into a new ${code(plan.target)} (${plan.env})`
      : `${VERBS[plan.kind]} *${plan.service}* ${code(plan.to.version)} to *${plan.env}*`;
  const blocks: Block[] = [
    header(
      `${request.status === 'pending' ? 'Approval needed' : 'Approval request'}: ${VERBS[plan.kind]} ${plan.kind === 'restore' ? plan.database : plan.service} ${plan.kind === 'restore' ? 'in' : 'to'} ${plan.env}${glass ? ' (BREAK-GLASS)' : ''}`,
    ),
    section(`<@${request.requester}> asks to ${what}.`),
    planFields(plan),
  ];
  if (glass)
    blocks.push(
      section(
        `:rotating_light: *BREAK-GLASS* during the freeze ${code(state.freeze ?? 'freeze')}: ${state.breakGlass}`,
      ),
    );
  blocks.push(section(`*Policy:* ${describePolicy(request.policy, utcTime)}`));
  blocks.push(section(`${ICONS[request.status]} *${outcomeText(state)}*`));
  if (request.status === 'pending') {
    blocks.push(
      actions(`approval:${request.id}`, [
        { actionId: APPROVE, text: 'Approve', value: request.id, style: 'primary' },
        {
          actionId: REJECT,
          text: 'Reject',
          value: request.id,
          style: 'danger',
          confirm: {
            title: 'Reject this change?',
            text: `Nothing will run: ${planSummary(plan)}`,
            confirm: 'Reject',
            deny: 'Back',
          },
        },
      ]),
    );
    blocks.push(
      context(
        `Or react :white_check_mark: to approve, :x: to reject. Approvers: ${approversText(request.policy)}. Request ${code(request.id)}, plan ${code(request.planHash)}.`,
      ),
    );
  } else {
    blocks.push(context(`Request ${code(request.id)}, plan ${code(request.planHash)}.`));
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
