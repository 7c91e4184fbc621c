import { describePeople, isAmong, type Identity, type Person } from './people.ts';

// The approval gate as a pure state machine: decide(request, event) → next request, effects and an
// answer for the person who acted. Buttons and reactions produce the same events. Storage makes each
// call atomic (adapters/approval-store.ts), so exactly one transition can reach "approved".

export type ApproverSet = { approvers: Person[]; required: number };
export type ApprovalPolicy = { normal: ApproverSet | undefined; breakGlass: ApproverSet | undefined; expiresAt: Date };

// 'not-run': approved, then refused when it came to run (the reason says why); 'superseded': another
// change to the same target started while it waited, so its plan no longer matches what runs.
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled' | 'not-run' | 'superseded';
export type Channel = 'button' | 'reaction';
export type Approval = { userId: string; via: Channel; at: Date; normal: boolean; breakGlass: boolean };

export type ApprovalRequest = {
  id: string;
  requester: string;
  planHash: string;
  policy: ApprovalPolicy;
  status: ApprovalStatus;
  approvals: Approval[];
  decidedBy?: string | undefined;
  decidedAt?: Date | undefined;
  reason?: string | undefined;
  version: number;
};

export type ApprovalEvent =
  | { type: 'approve'; actor: Identity; via: Channel; at: Date }
  | { type: 'withdraw'; actor: Identity; via: Channel; at: Date }
  | { type: 'reject'; actor: Identity; via: Channel; at: Date; reason?: string }
  | { type: 'cancel'; actor: Identity; isAdmin: boolean; at: Date }
  | { type: 'expire'; at: Date }
  | { type: 'not-run'; reason: string; at: Date }
  | { type: 'supersede'; by: string; at: Date };

export type Effect = { type: 'execute' } | { type: 'refresh-message' } | { type: 'cancel-expiry' };

// `code` names the outcome for audit and metrics; `message` is what the actor is told (ephemeral).
export type Answer = { accepted: boolean; code: string; message: string };
export type Decision = { request: ApprovalRequest; effects: Effect[]; answer: Answer };

const FINAL_WORDS: Record<Exclude<ApprovalStatus, 'pending'>, string> = {
  approved: 'already approved and running',
  rejected: 'already rejected',
  expired: 'already expired',
  cancelled: 'already cancelled',
  'not-run': 'approved but was not run',
  superseded: 'superseded by another change',
};

function refuse(request: ApprovalRequest, code: string, message: string): Decision {
  return { request, effects: [], answer: { accepted: false, code, message } };
}

function change(request: ApprovalRequest, next: Partial<ApprovalRequest>, effects: Effect[], answer: Answer): Decision {
  return { request: { ...request, ...next, version: request.version + 1 }, effects, answer };
}

export type Eligibility = { normal: boolean; breakGlass: boolean };

export function eligibility(policy: ApprovalPolicy, actor: Identity): Eligibility {
  return {
    normal: policy.normal !== undefined && isAmong(actor, policy.normal.approvers),
    breakGlass: policy.breakGlass !== undefined && isAmong(actor, policy.breakGlass.approvers),
  };
}

// How many seats of each kind the approvals fill when every person takes one seat: what the message
// shows, consistent with thresholdMet. People in both groups take break-glass seats first (the
// scarcer kind), which leaves the easier remainder to ask for.
export function seatsFilled(policy: ApprovalPolicy, approvals: Approval[]): { normal: number; breakGlass: number } {
  const needNormal = policy.normal?.required ?? 0;
  const needGlass = policy.breakGlass?.required ?? 0;
  const both = approvals.filter((approval) => approval.normal && approval.breakGlass).length;
  const normalOnly = approvals.filter((approval) => approval.normal && !approval.breakGlass).length;
  const glassOnly = approvals.filter((approval) => approval.breakGlass && !approval.normal).length;
  const bothToGlass = Math.min(both, Math.max(0, needGlass - glassOnly));
  return {
    normal: Math.min(needNormal, normalOnly + both - bothToGlass),
    breakGlass: Math.min(needGlass, glassOnly + bothToGlass),
  };
}

// Enough distinct people? Each approver fills at most one seat: `normal.required` seats for the
// environment's approvers and `breakGlass.required` for break-glass ones. Someone in both groups
// may take either seat, never both (Hall's condition for two seat kinds).
export function thresholdMet(policy: ApprovalPolicy, approvals: Approval[]): boolean {
  const needNormal = policy.normal?.required ?? 0;
  const needGlass = policy.breakGlass?.required ?? 0;
  const both = approvals.filter((approval) => approval.normal && approval.breakGlass).length;
  const normalOnly = approvals.filter((approval) => approval.normal && !approval.breakGlass).length;
  const glassOnly = approvals.filter((approval) => approval.breakGlass && !approval.normal).length;
  return (
    normalOnly + both >= needNormal &&
    glassOnly + both >= needGlass &&
    normalOnly + glassOnly + both >= needNormal + needGlass
  );
}

type EventOf<T extends ApprovalEvent['type']> = Extract<ApprovalEvent, { type: T }>;

function expire(request: ApprovalRequest, event: EventOf<'expire'>): Decision {
  if (request.status !== 'pending') return refuse(request, 'not_pending', 'nothing to expire');
  if (event.at < request.policy.expiresAt) return refuse(request, 'not_due', 'not due yet');
  return change(request, { status: 'expired', decidedAt: event.at }, [{ type: 'refresh-message' }], {
    accepted: true,
    code: 'expired',
    message: 'expired',
  });
}

// Why a person's event cannot apply to the request any more, if it cannot.
function closedTo(request: ApprovalRequest, at: Date): Decision | undefined {
  if (request.status !== 'pending') {
    return refuse(request, 'final', `This request is ${FINAL_WORDS[request.status]}; nothing was changed.`);
  }
  if (at >= request.policy.expiresAt) {
    return refuse(
      request,
      'expired',
      'This request has expired; nothing was changed. Ask the requester to run the command again.',
    );
  }
  return undefined;
}

function cancel(request: ApprovalRequest, event: EventOf<'cancel'>): Decision {
  const actor = event.actor.userId;
  if (actor !== request.requester && !event.isAdmin)
    return refuse(request, 'not_requester', 'Only the requester (or an ops-bot admin) can cancel this request.');
  return change(
    request,
    { status: 'cancelled', decidedBy: actor, decidedAt: event.at },
    [{ type: 'refresh-message' }, { type: 'cancel-expiry' }],
    { accepted: true, code: 'cancelled', message: 'Cancelled. Nothing was changed.' },
  );
}

function judge(request: ApprovalRequest, event: EventOf<'approve' | 'reject'>): Decision {
  if (event.actor.userId === request.requester)
    return refuse(
      request,
      'self_approval',
      'You asked for this change, so you cannot approve or reject it yourself; it needs other people.',
    );
  const eligible = eligibility(request.policy, event.actor);
  if (!eligible.normal && !eligible.breakGlass)
    return refuse(
      request,
      'not_approver',
      `You are not an approver for this request (approvers: ${approversText(request.policy)}).`,
    );
  return event.type === 'reject' ? reject(request, event) : approve(request, event, eligible);
}

function reject(request: ApprovalRequest, event: EventOf<'reject'>): Decision {
  return change(
    request,
    { status: 'rejected', decidedBy: event.actor.userId, decidedAt: event.at, reason: event.reason },
    [{ type: 'refresh-message' }, { type: 'cancel-expiry' }],
    { accepted: true, code: 'rejected', message: 'Rejected. Nothing will run.' },
  );
}

function approve(request: ApprovalRequest, event: EventOf<'approve'>, eligible: Eligibility): Decision {
  const actor = event.actor.userId;
  if (request.approvals.some((approval) => approval.userId === actor))
    return refuse(request, 'duplicate', 'You have already approved this request.');
  const approvals = [...request.approvals, { userId: actor, via: event.via, at: event.at, ...eligible }];
  if (!thresholdMet(request.policy, approvals)) {
    return change(request, { approvals }, [{ type: 'refresh-message' }], {
      accepted: true,
      code: 'approved_partial',
      message: 'Approval recorded; more approvals are needed.',
    });
  }
  return change(
    request,
    { approvals, status: 'approved', decidedBy: actor, decidedAt: event.at },
    [{ type: 'execute' }, { type: 'refresh-message' }, { type: 'cancel-expiry' }],
    { accepted: true, code: 'approved', message: 'Approved: the change is starting now.' },
  );
}

function withdraw(request: ApprovalRequest, event: EventOf<'withdraw'>): Decision {
  const actor = event.actor.userId;
  const had = request.approvals.some((approval) => approval.userId === actor && approval.via === event.via);
  if (!had) return refuse(request, 'nothing_to_withdraw', 'You had not approved this request.');
  return change(
    request,
    { approvals: request.approvals.filter((approval) => approval.userId !== actor) },
    [{ type: 'refresh-message' }],
    { accepted: true, code: 'withdrawn', message: 'Your approval was withdrawn.' },
  );
}

// The approved change was refused when it came to run: the message must stop saying it runs.
function notRun(request: ApprovalRequest, event: EventOf<'not-run'>): Decision {
  if (request.status !== 'approved') return refuse(request, 'not_approved', 'only an approved request can be not run');
  return change(request, { status: 'not-run', reason: event.reason }, [{ type: 'refresh-message' }], {
    accepted: true,
    code: 'not-run',
    message: `Approved, not run: ${event.reason}`,
  });
}

// Another change to the same target started: this request's plan no longer matches what runs.
function supersede(request: ApprovalRequest, event: EventOf<'supersede'>): Decision {
  if (request.status !== 'pending') return refuse(request, 'not_pending', 'only a pending request can be superseded');
  return change(
    request,
    { status: 'superseded', reason: event.by, decidedAt: event.at },
    [{ type: 'refresh-message' }, { type: 'cancel-expiry' }],
    { accepted: true, code: 'superseded', message: `Superseded: ${event.by} started.` },
  );
}

export function decide(request: ApprovalRequest, event: ApprovalEvent): Decision {
  if (event.type === 'expire') return expire(request, event);
  // The system's own events: they apply to a request in whatever time it has left.
  if (event.type === 'not-run') return notRun(request, event);
  if (event.type === 'supersede') return supersede(request, event);
  const closed = closedTo(request, event.at);
  if (closed) return closed;
  switch (event.type) {
    case 'cancel':
      return cancel(request, event);
    case 'approve':
    case 'reject':
      return judge(request, event);
    case 'withdraw':
      return withdraw(request, event);
  }
}

export function approversText(policy: ApprovalPolicy): string {
  return [policy.normal, policy.breakGlass]
    .filter((set): set is ApproverSet => set !== undefined)
    .map((set) => describePeople(set.approvers))
    .join('; ');
}

// "2 of @sre-leads, <@U0ALICE001>, not the requester, expires 14:32 UTC" (+ break-glass seats).
export function describePolicy(policy: ApprovalPolicy, formatTime: (at: Date) => string): string {
  const parts: string[] = [];
  if (policy.normal) parts.push(`${policy.normal.required} of ${describePeople(policy.normal.approvers)}`);
  if (policy.breakGlass) {
    const plus = parts.length > 0 ? 'plus ' : '';
    parts.push(`${plus}${policy.breakGlass.required} break-glass of ${describePeople(policy.breakGlass.approvers)}`);
  }
  return `${parts.join(', ')}, not the requester, expires ${formatTime(policy.expiresAt)}`;
}

export function newApprovalRequest(
  id: string,
  requester: string,
  planHash: string,
  policy: ApprovalPolicy,
): ApprovalRequest {
  return { id, requester, planHash, policy, status: 'pending', approvals: [], version: 0 };
}
