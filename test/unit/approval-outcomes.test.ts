import { describe, expect, it } from '@jest/globals';
import { decide, newApprovalRequest, type ApprovalPolicy, type ApprovalRequest } from '../../src/core/approval.ts';

const T0 = new Date('2026-11-23T10:00:00Z');
const later = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const POLICY: ApprovalPolicy = {
  normal: { approvers: [{ kind: 'group', handle: 'sre-leads' }], required: 1 },
  breakGlass: undefined,
  expiresAt: later(30),
};
const CAROL = { userId: 'U0CAROL003', groups: new Set(['sre-leads']) };

function pending(): ApprovalRequest {
  return newApprovalRequest('apr-1', 'U0BOB00002', 'hash', POLICY);
}

function approved(): ApprovalRequest {
  return decide(pending(), { type: 'approve', actor: CAROL, via: 'button', at: later(1) }).request;
}

describe('an approved change that was not run', () => {
  it('becomes "not-run" with its reason and keeps who approved it', () => {
    const decision = decide(approved(), { type: 'not-run', reason: 'a freeze began', at: later(2) });
    expect(decision.answer).toMatchObject({ accepted: true, code: 'not-run' });
    expect(decision.request).toMatchObject({ status: 'not-run', reason: 'a freeze began', decidedBy: 'U0CAROL003' });
    expect(decision.effects).toEqual([{ type: 'refresh-message' }]);
  });

  it('applies after the request would have expired, and only to an approved request', () => {
    expect(decide(approved(), { type: 'not-run', reason: 'locked', at: later(60) }).answer.accepted).toBe(true);
    expect(decide(pending(), { type: 'not-run', reason: 'locked', at: later(2) }).answer.accepted).toBe(false);
  });

  it('refuses later approvals and rejections: it is final', () => {
    const notRun = decide(approved(), { type: 'not-run', reason: 'locked', at: later(2) }).request;
    const answer = decide(notRun, { type: 'reject', actor: CAROL, via: 'button', at: later(3) }).answer;
    expect(answer).toMatchObject({ accepted: false, code: 'final' });
  });
});

describe('a waiting request another change overtook', () => {
  it('becomes "superseded", naming that change, and stops its expiry', () => {
    const decision = decide(pending(), { type: 'supersede', by: 'the deploy of 1.5.0', at: later(2) });
    expect(decision.request).toMatchObject({ status: 'superseded', reason: 'the deploy of 1.5.0' });
    expect(decision.effects).toEqual([{ type: 'refresh-message' }, { type: 'cancel-expiry' }]);
  });

  it('never supersedes an approved request, and cannot be approved afterwards', () => {
    expect(decide(approved(), { type: 'supersede', by: 'x', at: later(2) }).answer.accepted).toBe(false);
    const superseded = decide(pending(), { type: 'supersede', by: 'x', at: later(2) }).request;
    const answer = decide(superseded, { type: 'approve', actor: CAROL, via: 'button', at: later(3) }).answer;
    expect(answer).toMatchObject({ accepted: false, code: 'final' });
  });
});
