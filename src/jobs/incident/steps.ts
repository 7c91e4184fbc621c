import { type IncidentRecord } from '../../core/incident-record.ts';
import { z } from 'zod';
import { platformErrorCode } from '../../adapters/slack.ts';
import type { View } from '../../bot/views/blocks.ts';
import { markerOf } from '../../bot/views/incident-card.ts';
import { bridgeUrlFor } from '../../core/incident.ts';
import type { Person } from '../../core/people.ts';
import type { ProcessorDeps } from '../processor.ts';

const CHANNEL_ID = /^[CG][A-Z0-9]{6,}$/;
const history = z.object({
  messages: z
    .array(
      z
        .object({ ts: z.string(), blocks: z.array(z.object({ block_id: z.string().optional() }).loose()).optional() })
        .loose(),
    )
    .default([]),
});

// A step of an incident's set-up or effects runs once: its result is recorded in `steps`; a step
// that was sent but whose answer was lost is looked up before it is tried again.
export async function step<T>(
  deps: ProcessorDeps,
  record: IncidentRecord,
  name: string,
  run: () => Promise<T>,
): Promise<T> {
  if (Object.hasOwn(record.steps, name)) return record.steps[name] as T;
  const value = await run();
  await deps.incidents.markStep(record.id, name, value ?? true);
  record.steps[name] = value ?? true;
  return value;
}

// Posts a message once. The message carries a block_id naming the incident and the step; when an
// earlier attempt was sent but not recorded (the worker died, the answer timed out), the channel's
// recent history is searched for it before posting again.
export async function postOnce(
  deps: ProcessorDeps,
  record: IncidentRecord,
  name: string,
  channel: string,
  message: View,
): Promise<string | undefined> {
  const done = record.steps[name];
  if (typeof done === 'string') return done;
  if (record.archivedAt && channel === record.channelId) return undefined; // never into an archived channel
  const attempted = record.steps[`${name}.sent`];
  if (typeof attempted === 'number' && CHANNEL_ID.test(channel)) {
    const found = await findMarked(deps, channel, markerOf(record.id, name), attempted);
    if (found) {
      await deps.incidents.markStep(record.id, name, found);
      record.steps[name] = found;
      return found;
    }
  }
  await deps.incidents.markStep(record.id, `${name}.sent`, Date.now());
  let ref;
  try {
    ref = await deps.slack.postMessage(channel, message, undefined, { paced: true });
  } catch (error) {
    // Someone archived the incident channel by hand: it is archived, and nothing more goes there.
    if (platformErrorCode(error) !== 'is_archived' || channel !== record.channelId) throw error;
    record.archivedAt = deps.now();
    await deps.incidents.setArchived(record.id, record.archivedAt);
    return undefined;
  }
  await deps.incidents.markStep(record.id, name, ref.ts);
  record.steps[name] = ref.ts;
  return ref.ts;
}

async function findMarked(
  deps: ProcessorDeps,
  channel: string,
  marker: string,
  sentAt: number,
): Promise<string | undefined> {
  const answer = history.parse(
    await deps.slack.call('conversations.history', {
      channel,
      oldest: String(Math.floor(sentAt / 1000) - 5),
      limit: 100,
      inclusive: true,
    }),
  );
  return answer.messages.find((message) => message.blocks?.some((block) => block.block_id === marker))?.ts;
}

// The user ids behind catalog people (groups expanded); "*" never invites the whole workspace.
export async function usersOf(deps: ProcessorDeps, people: readonly Person[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const person of people) {
    if (person.kind === 'user') ids.add(person.id);
    if (person.kind === 'group') for (const id of (await deps.directory.membersOf(person.handle)) ?? []) ids.add(id);
  }
  return [...ids];
}

// Mentions that notify: <!subteam^ID> for groups, <@U…> for people.
export async function mentionsOf(deps: ProcessorDeps, people: readonly Person[]): Promise<string> {
  const parts = await Promise.all(
    people.map(async (person) => {
      if (person.kind === 'user') return `<@${person.id}>`;
      if (person.kind === 'everyone') return '<!channel>';
      const id = await deps.directory.groupId(person.handle).catch(() => undefined);
      return id ? `<!subteam^${id}>` : `@${person.handle}`;
    }),
  );
  return parts.join(' ');
}

export function bridgeOf(deps: ProcessorDeps, record: IncidentRecord): string | undefined {
  return record.channelName ? bridgeUrlFor(deps.catalog.incidents.bridgeUrl, record.channelName) : undefined;
}
