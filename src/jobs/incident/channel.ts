import { type IncidentRecord } from '../../core/incident-record.ts';
import { z } from 'zod';
import { platformErrorCode } from '../../adapters/slack.ts';
import { introView } from '../../bot/views/incident-card.ts';
import { channelNameFor } from '../../core/incident.ts';
import type { ProcessorDeps } from '../processor.ts';
import { bridgeOf } from './steps.ts';

const created = z.object({ channel: z.object({ id: z.string(), name: z.string() }) });
const info = z.object({
  channel: z.object({ id: z.string(), creator: z.string().optional(), created: z.number().optional() }),
});
const MAX_NAME_ATTEMPTS = 50;

// Create the channel under the first free name. A create whose answer never came (the worker died
// right after sending it) is recognised on the next attempt by name_taken on a name we asked for:
// the channel is ours if the bot created it just then and no other incident holds it.
export async function ensureChannel(deps: ProcessorDeps, record: IncidentRecord): Promise<string> {
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
