import { applyApprovalEvent } from '../approval-effects.ts';
import type { Processor } from '../processor.ts';

// Runs at the request's expiry time (a delayed job). A request decided before then refuses the event.
export const approvalExpireProcessor: Processor<'approval-expire'> = async ({ data, deps }) => {
  const result = await applyApprovalEvent(
    deps,
    data.approvalId,
    { type: 'expire', at: deps.now() },
    'ops-bot',
    data.correlationId,
  );
  return { outcome: result?.decision.answer.code ?? 'missing' };
};
