import { approvalRequestView, approvalWaitingView } from '../../bot/views/approval.ts';
import { platformErrorCode } from '../../adapters/slack.ts';
import type { ApprovalRecord } from '../../adapters/approval-store.ts';
import { isMutableTag } from '../../core/catalog.ts';
import type { Processor, ProcessorDeps } from '../processor.ts';
import { RetryLater } from '../retry-later.ts';

// Keeps the approval message (and its mirror) equal to the stored state. Many decisions in a burst
// enqueue many refreshes; each renders whatever is stored now, under a short per-request lock, so
// the last one to run always shows the latest state and an older render never lands after it.
export const approvalMessageProcessor: Processor<'approval-message'> = async ({ data, deps, job }) => {
  const lock = await deps.locks.acquire(`approval-message:${data.approvalId}`, {
    jobId: job.id ?? 'refresh',
    userId: 'ops-bot',
    what: 'refresh approval message',
  });
  if ('busy' in lock) throw new RetryLater('another refresh of this approval message is running');
  try {
    const record = await deps.approvals.get(data.approvalId);
    if (!record?.message) return { skipped: true };
    const state = {
      request: record.request,
      plan: record.plan,
      breakGlass: record.breakGlass,
      freeze: record.freeze,
      executionJobId: record.executionJobId,
      resolvedDigest: await resolvedDigest(deps, record),
    };
    try {
      await deps.slack.updateMessage(record.message, approvalRequestView(state));
    } catch (error) {
      // Someone deleted the request (or its channel): retrying cannot bring it back; the decision stands.
      const code = platformErrorCode(error);
      if (code !== 'message_not_found' && code !== 'channel_not_found') throw error;
      deps.logger.warn({ code, approvalId: data.approvalId }, 'the approval message is gone; not refreshing it');
    }
    if (record.mirror)
      await deps.slack
        .updateMessage(record.mirror, approvalRequestView(state))
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not update the mirrored approval request'));
    if (record.request.status !== 'pending' && record.responseUrl) {
      // The requester's private "waiting" note learns the outcome too (response_url lasts 30 minutes).
      await deps.slack
        .respond(record.responseUrl, {
          response_type: 'ephemeral',
          replace_original: true,
          ...approvalWaitingView(state, record.channel),
        })
        .catch(() => undefined);
    }
    return { version: record.request.version, status: record.request.status };
  } finally {
    await lock.lease.release();
  }
};

// The digest a mutable tag resolved to, once its release rolled out (the ledger's row of the job).
async function resolvedDigest(deps: ProcessorDeps, record: ApprovalRecord): Promise<string | undefined> {
  const { plan, executionJobId } = record;
  if (plan.kind !== 'deploy' || !executionJobId || !isMutableTag(deps.catalog, plan.to.version)) return undefined;
  const release = await deps.releases.byJob(executionJobId).catch(() => undefined);
  return release?.digest ?? undefined;
}
