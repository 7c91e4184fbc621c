import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  decide,
  describePolicy,
  newApprovalRequest,
  seatsFilled,
  thresholdMet,
  type ApprovalEvent,
  type ApprovalPolicy,
  type ApprovalRequest,
} from '../../src/core/approval.ts';
import type { Identity } from '../../src/core/people.ts';

const T0 = new Date('2026-11-23T10:00:00Z');
const later = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const who = (userId: string, ...groups: string[]): Identity => ({ userId, groups: new Set(groups) });

// Production in the reference catalog: 2 of @sre-leads or U0ALICE001; break-glass 1 of @incident-commanders.
const POLICY: ApprovalPolicy = {
  normal: {
    approvers: [
      { kind: 'group', handle: 'sre-leads' },
      { kind: 'user', id: 'U0ALICE001' },
    ],
    required: 2,
  },
  breakGlass: undefined,
  expiresAt: later(30),
};
const REQUESTER = who('U0REQUEST1', 'sre-leads');
const CAROL = who('U0CAROL003', 'sre-leads');
const FRANK = who('U0FRANK006', 'sre-leads', 'incident-commanders');
const ALICE = who('U0ALICE001');
const GUEST = who('U0GUEST007', 'engineers');

function fresh(policy = POLICY): ApprovalRequest {
  return newApprovalRequest('apr-1', REQUESTER.userId, 'hash', policy);
}

function run(request: ApprovalRequest, ...events: ApprovalEvent[]) {
  let current = request;
  const decisions = events.map((event) => {
    const decision = decide(current, event);
    current = decision.request;
    return decision;
  });
  return {
    request: current,
    decisions,
    executions: decisions.filter((decision) => decision.effects.some((effect) => effect.type === 'execute')).length,
  };
}

const approve = (actor: Identity, minute = 1, via: 'button' | 'reaction' = 'button'): ApprovalEvent => ({
  type: 'approve',
  actor,
  via,
  at: later(minute),
});

describe('approving', () => {
  it('runs once after the second distinct approval, by button, reaction or one of each', () => {
    for (const [first, second] of [
      ['button', 'button'],
      ['reaction', 'reaction'],
      ['button', 'reaction'],
    ] as const) {
      const { request, decisions, executions } = run(fresh(), approve(CAROL, 1, first), approve(ALICE, 2, second));
      expect(decisions.map((decision) => decision.answer.code)).toEqual(['approved_partial', 'approved']);
      expect(request).toMatchObject({ status: 'approved', decidedBy: ALICE.userId, version: 2 });
      expect(executions).toBe(1);
    }
  });

  it('never lets the requester approve, even when they are in the approver group', () => {
    const { request, decisions } = run(fresh(), approve(REQUESTER), approve(CAROL));
    expect(decisions[0]!.answer).toMatchObject({ accepted: false, code: 'self_approval' });
    expect(request.approvals.map((approval) => approval.userId)).toEqual([CAROL.userId]);
    expect(request.status).toBe('pending');
  });

  it('refuses people outside the approver set and does not count them', () => {
    const { request, decisions } = run(fresh(), approve(GUEST));
    expect(decisions[0]!.answer).toMatchObject({ accepted: false, code: 'not_approver' });
    expect(decisions[0]!.answer.message).toContain('@sre-leads, <@U0ALICE001>');
    expect(request.version).toBe(0);
  });

  it('counts a person once, however many times they click or react', () => {
    const { request, decisions } = run(fresh(), approve(CAROL, 1), approve(CAROL, 2, 'reaction'));
    expect(decisions[1]!.answer.code).toBe('duplicate');
    expect(request.status).toBe('pending');
  });
});

describe('ending a request', () => {
  it('ends at the first rejection by an approver; later clicks change nothing', () => {
    const { request, decisions, executions } = run(
      fresh(),
      approve(CAROL),
      { type: 'reject', actor: FRANK, via: 'reaction', at: later(2) },
      approve(ALICE, 3),
    );
    expect(request).toMatchObject({ status: 'rejected', decidedBy: FRANK.userId });
    expect(decisions[2]!.answer).toMatchObject({ accepted: false, code: 'final' });
    expect(executions).toBe(0);
  });

  it('does not let someone outside the approver set reject', () => {
    expect(decide(fresh(), { type: 'reject', actor: GUEST, via: 'button', at: later(1) }).answer.code).toBe(
      'not_approver',
    );
  });

  it('expires at the policy time, not before; approvals after it are refused', () => {
    expect(decide(fresh(), { type: 'expire', at: later(29) }).answer.code).toBe('not_due');
    const { request } = run(fresh(), approve(CAROL), { type: 'expire', at: later(30) });
    expect(request.status).toBe('expired');
    expect(decide(fresh(), approve(CAROL, 31)).answer.code).toBe('expired');
  });

  it('lets the requester or an admin cancel, nobody else', () => {
    expect(decide(fresh(), { type: 'cancel', actor: CAROL, isAdmin: false, at: later(1) }).answer.code).toBe(
      'not_requester',
    );
    expect(decide(fresh(), { type: 'cancel', actor: CAROL, isAdmin: true, at: later(1) }).request.status).toBe(
      'cancelled',
    );
    expect(decide(fresh(), { type: 'cancel', actor: REQUESTER, isAdmin: false, at: later(1) }).request.status).toBe(
      'cancelled',
    );
  });

  it('withdraws a reaction approval before the threshold, not after', () => {
    const withdrawn = run(
      fresh(),
      approve(CAROL, 1, 'reaction'),
      { type: 'withdraw', actor: CAROL, via: 'reaction', at: later(2) },
      approve(ALICE, 3),
    );
    expect(withdrawn.request).toMatchObject({
      status: 'pending',
      approvals: [expect.objectContaining({ userId: ALICE.userId })],
    });
    const tooLate = run(fresh(), approve(CAROL, 1, 'reaction'), approve(ALICE, 2), {
      type: 'withdraw',
      actor: CAROL,
      via: 'reaction',
      at: later(3),
    });
    expect(tooLate.decisions[2]!.answer.code).toBe('final');
    expect(tooLate.request.status).toBe('approved');
  });
});

describe('break-glass', () => {
  const glass: ApprovalPolicy = {
    ...POLICY,
    breakGlass: { approvers: [{ kind: 'group', handle: 'incident-commanders' }], required: 1 },
  };

  it('needs the break-glass approvers as well, each seat taken by a different person', () => {
    // Frank is in both groups: he fills one seat, not two.
    const twoNormal = run(fresh(glass), approve(CAROL), approve(ALICE, 2));
    expect(twoNormal.request.status).toBe('pending');
    const withFrank = run(fresh(glass), approve(CAROL), approve(FRANK, 2));
    expect(withFrank.request.status).toBe('pending');
    const all = run(fresh(glass), approve(CAROL), approve(FRANK, 2), approve(ALICE, 3));
    expect(all.request.status).toBe('approved');
  });

  it('shows seats as distinct people fill them, someone in both groups taking the scarcer seat', () => {
    const frankAndAlice = run(fresh(glass), approve(FRANK), approve(ALICE, 2)).request;
    expect(seatsFilled(glass, frankAndAlice.approvals)).toEqual({ normal: 1, breakGlass: 1 });
    const frankAlone = run(fresh(glass), approve(FRANK)).request;
    expect(seatsFilled(glass, frankAlone.approvals)).toEqual({ normal: 0, breakGlass: 1 });
    const twoNormal = run(fresh(glass), approve(CAROL), approve(ALICE, 2)).request;
    expect(seatsFilled(glass, twoNormal.approvals)).toEqual({ normal: 2, breakGlass: 0 });
  });

  it('describes the policy with the break-glass seats', () => {
    expect(describePolicy(glass, () => '10:30 UTC')).toBe(
      '2 of @sre-leads, <@U0ALICE001>, plus 1 break-glass of @incident-commanders, not the requester, expires 10:30 UTC',
    );
  });
});

describe('any order of events', () => {
  const people = [
    REQUESTER,
    CAROL,
    FRANK,
    ALICE,
    GUEST,
    who('U0ERIN0005', 'oncall'),
    who('U0DAVE0004', 'incident-commanders'),
  ];
  const event = fc.oneof(
    fc.record({
      type: fc.constant('approve' as const),
      actor: fc.constantFrom(...people),
      via: fc.constantFrom('button' as const, 'reaction' as const),
      at: fc.integer({ min: 0, max: 40 }).map(later),
    }),
    fc.record({
      type: fc.constant('withdraw' as const),
      actor: fc.constantFrom(...people),
      via: fc.constantFrom('button' as const, 'reaction' as const),
      at: fc.integer({ min: 0, max: 40 }).map(later),
    }),
    fc.record({
      type: fc.constant('reject' as const),
      actor: fc.constantFrom(...people),
      via: fc.constantFrom('button' as const, 'reaction' as const),
      at: fc.integer({ min: 0, max: 40 }).map(later),
    }),
    fc.record({
      type: fc.constant('cancel' as const),
      actor: fc.constantFrom(...people),
      isAdmin: fc.boolean(),
      at: fc.integer({ min: 0, max: 40 }).map(later),
    }),
    fc.record({ type: fc.constant('expire' as const), at: fc.integer({ min: 0, max: 40 }).map(later) }),
  );
  const policies = fc.constantFrom(
    POLICY,
    { ...POLICY, breakGlass: { approvers: [{ kind: 'group' as const, handle: 'incident-commanders' }], required: 1 } },
    { ...POLICY, normal: { ...POLICY.normal!, required: 1 } },
  );

  it('never executes twice, and never without enough distinct eligible approvers who are not the requester', () => {
    fc.assert(
      fc.property(policies, fc.array(event, { maxLength: 40 }), (policy, events) => {
        const { request, executions } = run(fresh(policy), ...(events as ApprovalEvent[]));
        expect(executions).toBeLessThanOrEqual(1);
        if (executions === 1) {
          expect(request.status).toBe('approved');
          const ids = request.approvals.map((approval) => approval.userId);
          expect(new Set(ids).size).toBe(ids.length);
          expect(ids).not.toContain(REQUESTER.userId);
          expect(ids).not.toContain(GUEST.userId);
          expect(thresholdMet(policy, request.approvals)).toBe(true);
          const seats = seatsFilled(policy, request.approvals);
          expect(seats.normal + seats.breakGlass).toBe(
            (policy.normal?.required ?? 0) + (policy.breakGlass?.required ?? 0),
          );
          expect(request.approvals.length).toBeGreaterThanOrEqual(
            (policy.normal?.required ?? 0) + (policy.breakGlass?.required ?? 0),
          );
        } else {
          expect(request.status).not.toBe('approved');
        }
        // Versions move only with accepted changes, and nothing changes after a final state.
        expect(request.version).toBeLessThanOrEqual(events.length);
      }),
      { numRuns: 3_000 },
    );
  });
});
