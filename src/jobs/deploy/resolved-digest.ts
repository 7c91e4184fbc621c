import { isMutableTag } from '../../core/catalog.ts';
import type { WorkloadPlan } from '../../core/plan.ts';
import type { ProcessorDeps } from '../processor.ts';
import type { ChangeData } from './run.ts';

// An approved deploy of a mutable tag: approvers agreed to "whatever `latest` is", so once it rolled
// out, the approval request shows which image that was (the digest the ledger recorded).
export async function showResolvedDigest(
  deps: ProcessorDeps,
  data: ChangeData<WorkloadPlan>,
  digest: string | undefined,
): Promise<void> {
  const { plan, approvalId } = data;
  if (!approvalId || !digest || plan.kind !== 'deploy' || !isMutableTag(deps.catalog, plan.to.version)) return;
  await deps.queues
    .enqueue('approval-message', `approval-message-${approvalId.slice(4)}-digest`, {
      correlationId: data.correlationId,
      approvalId,
    })
    .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not show the resolved digest on the request'));
}
