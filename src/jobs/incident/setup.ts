import { type IncidentRecord } from '../../core/incident-record.ts';
import { z } from 'zod';
import { esc } from '../../core/mrkdwn.ts';
import { platformErrorCode } from '../../adapters/slack.ts';
import { section, view } from '../../bot/views/blocks.ts';
import {
  broadcastView,
  checklistView,
  incidentCardView,
  introView,
  noticeView,
  topicOf,
} from '../../bot/views/incident-card.ts';
import { channelNameFor, isMajor, servicesOf } from '../../core/incident.ts';
import { isLastAttempt, type Processor, type ProcessorDeps } from '../processor.ts';
import { replyToRequester } from '../reply.ts';
import { scheduleClocks } from './clocks.ts';
import { enqueueCardRefresh } from './effects.ts';
import { bridgeOf, postOnce, step, usersOf } from './steps.ts';

const created = z.object({ channel: z.object({ id: z.string(), name: z.string() }) });
const info = z.object({
  channel: z.object({ id: z.string(), creator: z.string().optional(), created: z.number().optional() }),
});
const bookmarks = z.object({ bookmarks: z.array(z.object({ link: z.string() }).loose()).default([]) });
// Invite answers that mean "nothing more to do for these people".
const INVITE_DONE = new Set([
  'already_in_channel',
  'cant_invite_self',
  'user_not_found',
  'cant_invite',
  'user_is_restricted',
  'user_is_ultra_restricted',
]);
const INVITE_BATCH = 100;
const MAX_NAME_ATTEMPTS = 50;

// The declaration, as recorded idempotent steps: name → create → invite → topic → bookmark → card
// → pin → checklist → broadcast → clocks. A retry (Slack error, worker crash) resumes at the first
// step not recorded; nothing already done is done again.
export const incidentDeclareProcessor: Processor<'incident-declare'> = async ({ data, deps, job, logger }) => {
  const record = await deps.incidents.get(data.incidentId);
  if (!record) return { skipped: 'no such incident' };
  if (record.setup === 'done') return { done: true };
  let current = 'create the channel';
  try {
    const channel = await ensureChannel(deps, record);
    const bridge = bridgeOf(deps, record);
    current = 'post the bridge';
    await postOnce(deps, record, 'intro', channel, introView(record, bridge));
    current = 'invite people';
    await invite(deps, record, channel);
    current = 'set the topic';
    await step(deps, record, 'topic', async () => {
      const topic = topicOf(record, bridge);
      await deps.slack.call('conversations.setTopic', { channel, topic });
      await deps.slack.call('conversations.setPurpose', { channel, purpose: record.title.slice(0, 250) });
      // The card refresh compares with this, so an unchanged topic is not set again.
      await deps.incidents.markStep(record.id, 'topic.text', topic);
    });
    if (bridge) {
      current = 'bookmark the bridge';
      await step(deps, record, 'bookmark', async () => {
        // An earlier attempt may have added it without hearing back: an existing bookmark counts.
        if (record.steps['bookmark.sent']) {
          const existing = bookmarks.parse(await deps.slack.call('bookmarks.list', { channel_id: channel }));
          if (existing.bookmarks.some((bookmark) => bookmark.link === bridge)) return true;
        }
        await deps.incidents.markStep(record.id, 'bookmark.sent', true);
        await deps.slack.call('bookmarks.add', {
          channel_id: channel,
          title: 'Bridge',
          type: 'link',
          link: bridge,
          emoji: ':telephone_receiver:',
        });
        return true;
      });
    }
    current = 'post the status card';
    const card = await postOnce(
      deps,
      record,
      'card',
      channel,
      incidentCardView(record, bridge, servicesOf(deps.catalog, record.services)),
    );
    if (card && record.cardTs !== card) {
      await deps.incidents.setCard(record.id, card);
      await deps.incidents.markCardRendered(record.id, record.version);
      // Someone acknowledged (or changed something) while the channel was being set up: the card
      // just posted shows the state this job started from, so it is refreshed once.
      const latest = await deps.incidents.get(record.id);
      if (latest && latest.version > record.version) await enqueueCardRefresh(deps, latest);
    }
    current = 'pin the status card';
    await step(deps, record, 'pin', async () => {
      try {
        await deps.slack.call('pins.add', { channel, timestamp: card });
      } catch (error) {
        if (platformErrorCode(error) !== 'already_pinned') throw error;
      }
      return true;
    });
    current = 'post the checklist';
    const severity = deps.catalog.incidents.severities[record.severity];
    await postOnce(
      deps,
      record,
      'checklist',
      channel,
      checklistView(record, severity.checklist ?? deps.catalog.incidents.checklist, new Set()),
    );
    current = 'announce the incident';
    const headline = `*${record.severity} incident declared:* ${esc(record.title)}`;
    const { broadcastChannel, escalationChannel } = deps.catalog.incidents;
    if (broadcastChannel)
      await postOnce(deps, record, 'broadcast', broadcastChannel, broadcastView(record, 'broadcast', headline));
    if (escalationChannel && isMajor(record.severity))
      await postOnce(deps, record, 'escalation', escalationChannel, broadcastView(record, 'escalation', headline));
    current = 'start the clocks';
    await step(deps, record, 'clocks', async () => {
      await scheduleClocks(deps, record, 'restart');
      return true;
    });
    await deps.incidents.setSetup(record.id, 'done');
    await replyToRequester(
      deps.slack,
      data,
      view(`#${record.channelName} is ready.`, [
        section(
          `:rotating_light: <#${channel}> is ready: people invited, bridge and status card pinned, clocks running.`,
        ),
      ]),
    ).catch((error: unknown) => logger.warn({ err: error }, 'could not tell the declarer'));
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

// A failed step is retried; one that keeps failing is said out loud, never dropped in silence.
async function reportStuck(
  deps: ProcessorDeps,
  record: IncidentRecord,
  data: Parameters<typeof replyToRequester>[1],
  current: string,
  error: unknown,
): Promise<void> {
  const why = platformErrorCode(error) ?? (error instanceof Error ? error.message : String(error));
  const text = `:warning: ops-bot could not ${current} for *${esc(record.title)}* after several tries (${why}). Everything before that step is done; do this step by hand or declare again.`;
  if (record.channelId)
    await deps.slack
      .postMessage(record.channelId, noticeView(record, 'stuck', text), undefined, { paced: true })
      .catch(() => undefined);
  await replyToRequester(deps.slack, data, view(text, [section(text)]));
  // With a channel the incident is live (people work in it; the missing step was named); without
  // one there is no incident to list. Either way the set-up stops here: retrying is for a new request.
  await deps.incidents.setSetup(record.id, record.channelId ? 'done' : 'failed');
}

// Create the channel under the first free name. A create whose answer never came (the worker died
// right after sending it) is recognised on the next attempt by name_taken on a name we asked for:
// the channel is ours if the bot created it just then and no other incident holds it.
async function ensureChannel(deps: ProcessorDeps, record: IncidentRecord): Promise<string> {
  if (record.channelId) return record.channelId;
  const start = typeof record.steps['name.attempt'] === 'number' ? record.steps['name.attempt'] : 1;
  for (let attempt = start; attempt <= MAX_NAME_ATTEMPTS; attempt += 1) {
    const name = channelNameFor(record.title, record.declaredAt, attempt);
    const sentBefore = record.steps[`create.${name}`];
    await deps.incidents.markSteps(record.id, {
      'name.attempt': attempt,
      [`create.${name}`]: typeof sentBefore === 'number' ? sentBefore : Date.now(),
    });
    try {
      const answer = created.parse(await deps.slack.call('conversations.create', { name, is_private: false }));
      return await adopt(deps, record, answer.channel.id, name);
    } catch (error) {
      if (platformErrorCode(error) !== 'name_taken') throw error;
      if (typeof sentBefore === 'number') {
        const ours = await findOurs(deps, record, name, sentBefore);
        if (ours) return ours;
      }
    }
  }
  throw new Error(`no free channel name after ${MAX_NAME_ATTEMPTS} attempts`);
}

async function adopt(deps: ProcessorDeps, record: IncidentRecord, channelId: string, name: string): Promise<string> {
  await deps.incidents.setChannel(record.id, channelId, name);
  record.channelId = channelId;
  record.channelName = name;
  return channelId;
}

// No conversations.list: the bot posts the channel's first message by name (it can only if it is
// a member), which answers with the id; conversations.info then says who created it and when.
async function findOurs(
  deps: ProcessorDeps,
  record: IncidentRecord,
  name: string,
  sentAt: number,
): Promise<string | undefined> {
  const botUser = await deps.slack.botUserId();
  let posted;
  try {
    record.channelName = name;
    posted = await deps.slack.postMessage(`#${name}`, introView(record, bridgeOf(deps, record)));
  } catch (error) {
    deps.logger.info({ name, code: platformErrorCode(error) }, 'the taken channel name is not ours');
    return undefined;
  }
  const channel = info.parse(await deps.slack.call('conversations.info', { channel: posted.channel })).channel;
  const other = await deps.incidents.byChannel(channel.id);
  const ours =
    channel.creator === botUser &&
    (channel.created ?? 0) * 1000 >= sentAt - 60_000 &&
    (!other || other.id === record.id);
  if (!ours) {
    await deps.slack.call('chat.delete', { channel: posted.channel, ts: posted.ts }).catch(() => undefined);
    return undefined;
  }
  await adopt(deps, record, channel.id, name);
  await deps.incidents.markStep(record.id, 'intro', posted.ts);
  record.steps.intro = posted.ts;
  return channel.id;
}

async function invite(deps: ProcessorDeps, record: IncidentRecord, channel: string): Promise<void> {
  const { incidents } = deps.catalog;
  const severity = incidents.severities[record.severity];
  const bot = await deps.slack.botUserId();
  const people = new Set([
    record.declaredBy,
    ...(record.commander ? [record.commander] : []),
    ...(await usersOf(deps, severity.responders)),
    ...(await usersOf(deps, incidents.oncall)),
  ]);
  people.delete(bot);
  const everyone = [...people];
  for (let index = 0; index * INVITE_BATCH < everyone.length; index += 1) {
    const batch = everyone.slice(index * INVITE_BATCH, (index + 1) * INVITE_BATCH);
    await step(deps, record, `invite.${index}`, async () => {
      try {
        await deps.slack.call('conversations.invite', { channel, users: batch.join(','), force: true });
      } catch (error) {
        const code = platformErrorCode(error);
        if (code === undefined || !INVITE_DONE.has(code)) throw error;
        deps.logger.info({ code, batch: index }, 'invite answered with per-user errors; the rest are in');
      }
      return batch.length;
    });
  }
}
