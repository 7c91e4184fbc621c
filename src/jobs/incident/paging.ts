import { UnrecoverableError, type Job } from 'bullmq';
import { PagingError } from '../../adapters/pagerduty.ts';
import type { IncidentRecord } from '../../core/incident-record.ts';
import {
  PAGED_SEVERITIES,
  PAGERDUTY_SEVERITY,
  PAGING_STATUS_STEP,
  isPaged,
  pagingStatusOf,
  pagingWords,
  triggeredSeveritiesOf,
  triggeredStep,
  type PagedSeverity,
  type PagingAction,
  type PagingStatus,
} from '../../core/paging.ts';
import type { Severity } from '../../core/grammar/values.ts';
import type { JobData } from '../job-data.ts';
import { isLastAttempt, type Processor, type ProcessorDeps } from '../processor.ts';

type PageData = JobData<'incident-page'>;
type Target = { severity: PagedSeverity; reference: string };

// The job id's tail names the page ("<incident>declare", "<incident>v7"): its card refreshes and
// timeline lines are keyed by it, so a retried attempt adds nothing twice.
export async function enqueuePage(
  deps: Pick<ProcessorDeps, 'queues' | 'catalog'>,
  record: Pick<IncidentRecord, 'id' | 'correlationId' | 'severityHistory'>,
  page: { action: PagingAction; severity: Severity; actor: string; tag: string },
): Promise<void> {
  if (!pagesAnything(deps, record, page)) return;
  await deps.queues.enqueue('incident-page', `incident-page-${record.id}${page.tag}`, {
    correlationId: record.correlationId,
    incidentId: record.id,
    action: page.action,
    severity: page.severity,
    actor: page.actor,
  });
}

// A trigger needs a routing key for its severity; acknowledge and resolve matter only for an
// incident that was P0/P1 under a configured key at some point.
function pagesAnything(
  deps: Pick<ProcessorDeps, 'catalog'>,
  record: Pick<IncidentRecord, 'severityHistory'>,
  page: { action: PagingAction; severity: Severity },
): boolean {
  const { paging } = deps.catalog.incidents;
  if (page.action === 'trigger') return isPaged(page.severity) && paging[page.severity] !== undefined;
  return record.severityHistory.some((change) => isPaged(change.to) && paging[change.to] !== undefined);
}

// Sends one Events API v2 event for an incident, with its id as the dedup key. Every attempt is
// audited and shown (card and timeline): sent, retrying (429, 5xx, network) or failed (400, no key).
export const incidentPageProcessor: Processor<'incident-page'> = async ({ data, deps, job, logger }) => {
  const record = await deps.incidents.get(data.incidentId);
  if (!record) return { skipped: 'no such incident' };
  const targets = targetsOf(deps, record, data);
  // The severity the card names: where this event goes, else the page it follows.
  const severity =
    (Array.isArray(targets) ? targets[0]?.severity : undefined) ?? pagingStatusOf(record.steps)?.severity ?? 'P1';
  if ('wait' in targets) {
    // The last try of an acknowledge or resolve whose trigger never got through is said, not dropped.
    if (isLastAttempt(job)) await show(deps, record, data, job, { state: 'failed', severity, reason: targets.wait });
    throw new Error(targets.wait);
  }
  if ('skip' in targets) return { skipped: targets.skip };
  try {
    for (const target of targets) await sendOne(deps, record, data, target);
  } catch (error) {
    // Only PagerDuty's own refusals (400) and a missing key are final; anything else (the network, 429,
    // 5xx, a database hiccup after the send) is tried again.
    const retryable = error instanceof PagingError ? error.retryable : true;
    const final = !retryable || isLastAttempt(job);
    const reason = error instanceof Error ? error.message : String(error);
    logger.warn({ err: error, final, action: data.action }, 'paging the on-call failed');
    await show(deps, record, data, job, { state: final ? 'failed' : 'retrying', severity, reason });
    if (!retryable) throw new UnrecoverableError(reason);
    throw error;
  }
  await show(deps, record, data, job, { state: 'sent', severity });
  return { sent: data.action, to: targets.map((target) => target.severity) };
};

// Where this event goes: a trigger to its severity's routing key; acknowledge and resolve to every
// key with an accepted trigger, waiting (a retry) while that trigger is still being sent.
function targetsOf(
  deps: Pick<ProcessorDeps, 'catalog'>,
  record: IncidentRecord,
  data: PageData,
): Target[] | { wait: string } | { skip: string } {
  const { paging } = deps.catalog.incidents;
  if (data.action === 'trigger') {
    const reference = isPaged(data.severity) ? paging[data.severity] : undefined;
    return isPaged(data.severity) && reference
      ? [{ severity: data.severity, reference }]
      : { skip: `no routing key for ${data.severity}` };
  }
  // A trigger still being sent (the first, or one for a raised severity) goes first: PagerDuty drops an
  // acknowledge or resolve for an alert it does not have yet.
  const last = pagingStatusOf(record.steps);
  if (last === undefined || (last.action === 'trigger' && last.state === 'retrying'))
    return { wait: `the trigger of this incident is not accepted yet; ${data.action} waits for it` };
  const triggered = triggeredSeveritiesOf(record.steps);
  const targets = PAGED_SEVERITIES.flatMap((severity) => {
    const reference = paging[severity];
    return triggered.includes(severity) && reference ? [{ severity, reference }] : [];
  });
  return targets.length > 0 ? targets : { skip: 'no page was accepted for this incident' };
}

async function sendOne(deps: ProcessorDeps, record: IncidentRecord, data: PageData, target: Target): Promise<void> {
  const key = deps.paging.routingKey(target.reference);
  if ('missing' in key)
    throw new PagingError(`the routing key for ${target.severity} comes from ${key.missing}, which is not set`, {
      retryable: false,
    });
  const answer = await deps.paging.send({
    routingKey: key.key,
    action: data.action,
    dedupKey: record.id,
    ...(data.action === 'trigger'
      ? {
          payload: {
            summary: `${target.severity}: ${record.title}`,
            source: `ops-bot ${record.channelName ? `#${record.channelName}` : `incident ${record.id}`}`,
            severity: PAGERDUTY_SEVERITY[target.severity],
            customDetails: { incident: record.id, declaredBy: record.declaredBy },
          },
        }
      : {}),
  });
  await deps.audit.record({
    event: 'incident.page',
    decision: 'sent',
    actor: data.actor,
    correlationId: data.correlationId,
    channel: record.channelId,
    action: `incident.page.${data.action}`,
    target: `incident/${record.id}`,
    details: { severity: target.severity, routingKey: target.reference, dedupKey: answer.dedupKey },
  });
  if (data.action === 'trigger') await deps.incidents.markStep(record.id, triggeredStep(target.severity), true);
}

const TIMELINE_WORDS: Record<PagingAction, string> = {
  trigger: 'Paged the on-call through PagerDuty',
  acknowledge: 'Acknowledged the PagerDuty page',
  resolve: 'Resolved the PagerDuty page',
};

// The card line, a timeline line and (for a failed or retried attempt) an audit row; then the card
// is rendered again. The timeline line is keyed by job and attempt: a re-run adds no second one.
async function show(
  deps: ProcessorDeps,
  record: IncidentRecord,
  data: PageData,
  job: Job,
  outcome: { state: PagingStatus['state']; severity: PagedSeverity; reason?: string },
): Promise<void> {
  const now = deps.now();
  const status: PagingStatus = {
    state: outcome.state,
    action: data.action,
    severity: outcome.severity,
    at: now.toISOString(),
    ...(outcome.reason ? { reason: outcome.reason.slice(0, 300) } : {}),
  };
  await deps.incidents.markStep(record.id, PAGING_STATUS_STEP, status);
  const tail = (job.id ?? '').replace(/^incident-page-/, '');
  const attempt = job.attemptsMade + 1;
  const text =
    outcome.state === 'sent'
      ? `${TIMELINE_WORDS[data.action]} (${outcome.severity})`
      : `${pagingWords(status)}${outcome.state === 'retrying' ? ` (attempt ${attempt})` : ''}`;
  await deps.incidents.addTimeline(record.id, {
    kind: 'paging',
    actor: 'ops-bot',
    text,
    at: now,
    sourceTs: `paging.${tail}.${attempt}`,
  });
  if (outcome.state !== 'sent')
    await deps.audit.record({
      event: 'incident.page',
      decision: outcome.state,
      actor: data.actor,
      correlationId: data.correlationId,
      channel: record.channelId,
      action: `incident.page.${data.action}`,
      target: `incident/${record.id}`,
      reason: status.reason,
      details: { severity: outcome.severity, attempt },
    });
  await deps.queues.enqueue('incident-card', `incident-card-${tail}pg${attempt}`, {
    correlationId: record.correlationId,
    incidentId: record.id,
  });
}
