import { describe, expect, it } from '@jest/globals';
import { approvalRequestView, approvalWaitingView, outcomeText } from '../../src/bot/views/approval.ts';
import { REJECT_MODAL, rejectModal } from '../../src/bot/views/reject-modal.ts';
import { decide, newApprovalRequest, type ApprovalRequest } from '../../src/core/approval.ts';
import type { DeployPlan } from '../../src/core/plan.ts';

const PLAN = {
  kind: 'deploy',
  service: 'checkout',
  env: 'production',
  context: 'prod',
  namespace: 'shop',
  deployment: 'checkout',
  container: 'app',
  strategy: 'rolling',
  replicas: 3,
  from: { image: 'registry.example.com/shop/checkout:1.4.1', revision: 1 },
  to: { image: 'registry.example.com/shop/checkout:1.4.2', version: '1.4.2' },
} as DeployPlan;
const AT = new Date('2026-11-30T14:02:00Z');
const CAROL = { userId: 'U0CAROL003', groups: new Set(['sre-leads']) };
const PENDING = newApprovalRequest('apr-0123456789abcdef', 'U0BOB00002', 'hash', {
  normal: { approvers: [{ kind: 'group', handle: 'sre-leads' }], required: 2 },
  breakGlass: undefined,
  expiresAt: new Date('2026-11-30T14:30:00Z'),
});

function rejected(reason?: string): ApprovalRequest {
  return decide(PENDING, { type: 'reject', actor: CAROL, via: 'button', at: AT, ...(reason ? { reason } : {}) })
    .request;
}

function state(request: ApprovalRequest) {
  return { request, plan: PLAN, breakGlass: undefined, freeze: undefined, executionJobId: undefined };
}

describe('a rejected request', () => {
  it('names the reason right after who rejected it, on the message and in the requester’s note', () => {
    const request = rejected('error budget spent');
    expect(outcomeText(state(request))).toBe(
      'Rejected by <@U0CAROL003>: error budget spent (at 14:02 UTC). Approved before that by nobody. Nothing ran.',
    );
    expect(approvalRequestView(state(request)).text).toContain('Rejected by <@U0CAROL003>: error budget spent');
    expect(approvalWaitingView(state(request), 'C0DEPLOYS01').text).toContain(': error budget spent (at 14:02 UTC)');
  });

  it('says when it was rejected when no reason was given', () => {
    expect(outcomeText(state(rejected()))).toBe(
      'Rejected by <@U0CAROL003> at 14:02 UTC. Approved before that by nobody. Nothing ran.',
    );
  });

  it('shows a reason as text: no mentions, links or broadcasts from it', () => {
    const text = outcomeText(state(rejected('ask <!channel> and <@U0BOSS> see <https://x.example|here>')));
    expect(text).toContain('ask &lt;!channel&gt; and &lt;@U0BOSS&gt; see &lt;https://x.example|here&gt;');
  });

  it('keeps the reason only when the rejection is accepted', () => {
    const approved = { ...PENDING, status: 'approved' as const };
    const late = decide(approved, { type: 'reject', actor: CAROL, via: 'button', at: AT, reason: 'too late' });
    expect(late.answer).toMatchObject({ accepted: false, code: 'final' });
    expect(late.request.reason).toBeUndefined();
  });
});

describe('the Reject form', () => {
  it('is bound to the request and asks for an optional reason of at most 500 characters', () => {
    const modal = rejectModal({ approvalId: PENDING.id, channel: 'C0DEPLOYS01' }, PLAN) as {
      callback_id: string;
      private_metadata: string;
      blocks: { block_id: string; optional?: boolean; element?: { max_length?: number } }[];
    };
    expect(modal.callback_id).toBe(REJECT_MODAL);
    expect(JSON.parse(modal.private_metadata)).toEqual({ approvalId: PENDING.id, channel: 'C0DEPLOYS01' });
    const reason = modal.blocks.find((block) => block.block_id === 'reason');
    expect(reason).toMatchObject({ optional: true, element: { max_length: 500 } });
    expect(JSON.stringify(modal.blocks)).toContain('checkout production: 1.4.1 (rev 1) → 1.4.2');
  });
});
