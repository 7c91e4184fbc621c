import { currentContext } from '../adapters/log.ts';
import type { ApprovalRecord } from '../adapters/approval-store.ts';
import { userErrorView } from '../bot/views/errors.ts';
import { section, view, type View } from '../bot/views/blocks.ts';
import type { ApprovalEvent } from '../core/approval.ts';
import { groupHandles, type Identity } from '../core/people.ts';
import { UserError } from '../core/user-error.ts';
import { applyApprovalEvent } from '../jobs/approval-effects.ts';
import type { HandlerDeps } from './deps.ts';

// What the approval buttons, the ✅ / ❌ reactions and the Reject form share: finding the request, who
// the actor is to its policy, and one decision through the atomic transition.
const APPROVAL_ID = /^apr-[0-9a-f]{16}$/;

export type Answer = { accepted: boolean; message: string };

function unknownApproval(): UserError {
  return new UserError('ops-bot has no record of this approval request; nothing was changed.', {
    code: 'unknown_approval',
  });
}

export async function loadApproval(deps: HandlerDeps, id: string | undefined): Promise<ApprovalRecord> {
  const record = id && APPROVAL_ID.test(id) ? await deps.approvals.get(id) : undefined;
  if (!record) throw unknownApproval();
  return record;
}

// Who the actor is, as far as this request's policy (and the admin role, for cancelling) cares.
export async function actorOf(deps: HandlerDeps, record: ApprovalRecord, userId: string): Promise<Identity> {
  const people = [
    ...(record.request.policy.normal?.approvers ?? []),
    ...(record.request.policy.breakGlass?.approvers ?? []),
    ...(deps.catalog.roles.admin ?? []),
  ];
  return deps.directory.identify(userId, groupHandles(people));
}

export async function decideFor(
  deps: HandlerDeps,
  record: ApprovalRecord,
  userId: string,
  build: (actor: Identity, at: Date) => ApprovalEvent,
): Promise<Answer> {
  const actor = await actorOf(deps, record, userId);
  const correlationId = currentContext()?.correlationId ?? record.correlationId;
  const result = await applyApprovalEvent(deps, record.request.id, build(actor, deps.now()), userId, correlationId);
  if (!result) throw unknownApproval();
  return result.decision.answer;
}

export function answerView(answer: Answer): View {
  return answer.accepted
    ? view(answer.message, [section(`:white_check_mark: ${answer.message}`)])
    : userErrorView(answer.message, undefined);
}
