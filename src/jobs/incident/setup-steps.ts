import { type IncidentRecord } from '../../core/incident-record.ts';
import { z } from 'zod';
import { esc } from '../../core/mrkdwn.ts';
import { platformErrorCode } from '../../adapters/slack.ts';
import { pagingStatusOf } from '../../core/paging.ts';
import { broadcastView, checklistView, incidentCardView, introView, topicOf } from '../../bot/views/incident-card.ts';
import { isMajor, servicesOf } from '../../core/incident.ts';
import type { ProcessorDeps } from '../processor.ts';
import { scheduleClocks } from './clocks.ts';
import { readLastChanges } from './last-change.ts';
import { enqueueCardRefresh } from './effects.ts';
import { postOnce, step, usersOf } from './steps.ts';

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

// An incident whose channel exists, being set up; `card` is the status card's ts once posted.
type Setup = {
  deps: ProcessorDeps;
  record: IncidentRecord;
  channel: string;
  bridge: string | undefined;
  card?: string | undefined;
};

// After the channel is created, in order; each is named for the set-up's "could not …" report.
export const SETUP_STEPS: [what: string, run: (setup: Setup) => Promise<void>][] = [
  ['post the bridge', postIntro],
  ['invite people', ({ deps, record, channel }) => invite(deps, record, channel)],
  ['set the topic', setTopic],
  ['bookmark the bridge', bookmarkBridge],
  ['read the last change', ({ deps, record }) => readLastChanges(deps, record)],
  ['post the status card', postCard],
  ['pin the status card', pinCard],
  ['post the checklist', postChecklist],
  ['announce the incident', announce],
  ['start the clocks', startClocks],
];

async function postIntro({ deps, record, channel, bridge }: Setup): Promise<void> {
  await postOnce(deps, record, 'intro', channel, introView(record, bridge));
}

async function setTopic({ deps, record, channel, bridge }: Setup): Promise<void> {
  await step(deps, record, 'topic', async () => {
    const topic = topicOf(record, bridge);
    await deps.slack.call('conversations.setTopic', { channel, topic });
    await deps.slack.call('conversations.setPurpose', { channel, purpose: record.title.slice(0, 250) });
    // The card refresh compares with this, so an unchanged topic is not set again.
    await deps.incidents.markStep(record.id, 'topic.text', topic);
  });
}

async function bookmarkBridge({ deps, record, channel, bridge }: Setup): Promise<void> {
  if (!bridge) return;
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

async function postCard(setup: Setup): Promise<void> {
  const { deps, record, channel, bridge } = setup;
  const services = servicesOf(deps.catalog, record.services);
  const card = await postOnce(deps, record, 'card', channel, incidentCardView(record, bridge, services));
  setup.card = card;
  if (card && record.cardTs !== card) {
    await deps.incidents.setCard(record.id, card);
    await deps.incidents.markCardRendered(record.id, record.version);
    const paging = JSON.stringify(pagingStatusOf(record.steps) ?? null);
    await deps.incidents.markStep(record.id, 'card.paging', paging);
    // Someone acknowledged (or changed something) while the channel was being set up: the card
    // just posted shows the state this job started from, so it is refreshed once. The page, sent
    // before the set-up began, usually lands here too: its own refresh found no card yet.
    const latest = await deps.incidents.get(record.id);
    if (latest && latest.version > record.version) await enqueueCardRefresh(deps, latest);
    else if (latest && JSON.stringify(pagingStatusOf(latest.steps) ?? null) !== paging)
      await deps.queues.enqueue('incident-card', `incident-card-${record.id}setuppaging`, {
        correlationId: record.correlationId,
        incidentId: record.id,
      });
  }
}

async function pinCard({ deps, record, channel, card }: Setup): Promise<void> {
  await step(deps, record, 'pin', async () => {
    try {
      await deps.slack.call('pins.add', { channel, timestamp: card });
    } catch (error) {
      if (platformErrorCode(error) !== 'already_pinned') throw error;
    }
    return true;
  });
}

async function postChecklist({ deps, record, channel }: Setup): Promise<void> {
  const severity = deps.catalog.incidents.severities[record.severity];
  const checklist = severity.checklist ?? deps.catalog.incidents.checklist;
  await postOnce(deps, record, 'checklist', channel, checklistView(record, checklist, new Set()));
}

async function announce({ deps, record }: Setup): Promise<void> {
  const headline = `*${record.severity} incident declared:* ${esc(record.title)}`;
  const { broadcastChannel, escalationChannel } = deps.catalog.incidents;
  if (broadcastChannel)
    await postOnce(deps, record, 'broadcast', broadcastChannel, broadcastView(record, 'broadcast', headline));
  if (escalationChannel && isMajor(record.severity))
    await postOnce(deps, record, 'escalation', escalationChannel, broadcastView(record, 'escalation', headline));
}

async function startClocks({ deps, record }: Setup): Promise<void> {
  await step(deps, record, 'clocks', async () => {
    await scheduleClocks(deps, record, 'restart');
    return true;
  });
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
