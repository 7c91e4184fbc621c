import { type IncidentRecord } from '../../core/incident-record.ts';
import { esc } from '../../core/mrkdwn.ts';
import { platformErrorCode } from '../../adapters/slack.ts';
import { section, view } from '../../bot/views/blocks.ts';
import { noticeView } from '../../bot/views/incident-card.ts';
import { isLastAttempt, type Processor, type ProcessorDeps } from '../processor.ts';
import { replyToRequester } from '../reply.ts';
import { ensureChannel } from './channel.ts';
import { SETUP_STEPS } from './setup-steps.ts';
import { bridgeOf } from './steps.ts';
import { enqueuePage } from './paging.ts';

// The declaration, as recorded idempotent steps: name → create → invite → topic → bookmark → card
// → pin → checklist → broadcast → clocks. A retry (Slack error, worker crash) resumes at the first
// step not recorded; nothing already done is done again.
export const incidentDeclareProcessor: Processor<'incident-declare'> = async ({ data, deps, job, logger }) => {
  const record = await deps.incidents.get(data.incidentId);
  if (!record) return { skipped: 'no such incident' };
  if (record.setup === 'done') return { done: true };
  // First, so the on-call is paged while Slack is still being set up (and even if it cannot be).
  await enqueuePage(deps, record, {
    action: 'trigger',
    severity: record.severity,
    actor: record.declaredBy,
    tag: 'declare',
  });
  let current = 'create the channel';
  try {
    const channel = await ensureChannel(deps, record);
    const setup = { deps, record, channel, bridge: bridgeOf(deps, record) };
    for (const [what, run] of SETUP_STEPS) {
      current = what;
      await run(setup);
    }
    await deps.incidents.setSetup(record.id, 'done');
    await tellReady(deps, data, record, channel).catch((error: unknown) =>
      logger.warn({ err: error }, 'could not tell the declarer'),
    );
    return { channel, steps: Object.keys(record.steps).length };
  } catch (error) {
    const lastAttempt = isLastAttempt(job);
    logger.warn({ err: error, step: current, lastAttempt }, 'incident set-up step failed');
    if (lastAttempt)
      await reportStuck(deps, record, data, current, error).catch((reportError: unknown) =>
        logger.error({ err: reportError }, 'could not report the stuck set-up'),
      );
    throw error;
  }
};

type Requester = Parameters<typeof replyToRequester>[1];

async function tellReady(deps: ProcessorDeps, data: Requester, record: IncidentRecord, channel: string): Promise<void> {
  const done = 'people invited, bridge and status card pinned, clocks running';
  const text = `:rotating_light: <#${channel}> is ready: ${done}.`;
  await replyToRequester(deps.slack, data, view(`#${record.channelName} is ready.`, [section(text)]));
}

// A failed step is retried; one that keeps failing is said out loud, never dropped in silence.
async function reportStuck(
  deps: ProcessorDeps,
  record: IncidentRecord,
  data: Requester,
  current: string,
  error: unknown,
): Promise<void> {
  const why = platformErrorCode(error) ?? (error instanceof Error ? error.message : String(error));
  const failed = `:warning: ops-bot could not ${current} for *${esc(record.title)}* after several tries (${why}).`;
  const text = `${failed} Everything before that step is done; do this step by hand or declare again.`;
  if (record.channelId)
    await deps.slack
      .postMessage(record.channelId, noticeView(record, 'stuck', text), undefined, { paced: true })
      .catch(() => undefined);
  await replyToRequester(deps.slack, data, view(text, [section(text)]));
  // With a channel the incident is live (people work in it; the missing step was named); without
  // one there is no incident to list. Either way the set-up stops here: retrying is for a new request.
  await deps.incidents.setSetup(record.id, record.channelId ? 'done' : 'failed');
}
