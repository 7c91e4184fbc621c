import { z } from 'zod';
import { quietMentions } from '../../core/mrkdwn.ts';
import type { JobData } from '../job-data.ts';
import type { Processor, ProcessorDeps } from '../processor.ts';

const history = z.object({
  messages: z
    .array(
      z
        .object({
          ts: z.string(),
          text: z.string().default(''),
          user: z.string().optional(),
          bot_id: z.string().optional(),
        })
        .loose(),
    )
    .default([]),
});

type Message = z.output<typeof history>['messages'][number];

// A 📌 on a message in an incident channel: the message (author, time, text, permalink) becomes a
// line of the timeline, at the time it was written. Pinning it again adds nothing.
export const incidentPinProcessor: Processor<'incident-pin'> = async ({ data, deps }) => {
  const record = await deps.incidents.get(data.incidentId);
  if (!record) return { skipped: 'no incident' };
  const message = await pinnedMessage(deps, data);
  if (!message) return { skipped: 'message not found' };
  const permalink = await deps.slack.permalink({ channel: data.channel, ts: data.ts }).catch(() => undefined);
  const author = message.user ?? (message.bot_id ? 'ops-bot' : 'unknown');
  const pinnedBy = author !== data.user ? ` — pinned by <@${data.user}>` : '';
  const added = await deps.incidents.addTimeline(
    record.id,
    {
      kind: 'pin',
      actor: author,
      text: `${quietMentions(message.text) || '(no text)'}${pinnedBy}`,
      at: new Date(Number(data.ts) * 1000),
      sourceTs: data.ts,
      ...(permalink ? { permalink } : {}),
    },
    {
      event: 'pin',
      decision: 'accepted',
      actor: data.user,
      correlationId: data.correlationId,
      channel: data.channel,
      action: 'incident.pin',
      target: `incident/${record.id}`,
      ...(permalink ? { permalink } : {}),
    },
  );
  return { added };
};

async function pinnedMessage(deps: ProcessorDeps, data: JobData<'incident-pin'>): Promise<Message | undefined> {
  const isPinned = (candidate: Message) => candidate.ts === data.ts;
  const answer = history.parse(
    await deps.slack.call('conversations.history', {
      channel: data.channel,
      latest: data.ts,
      inclusive: true,
      limit: 1,
    }),
  );
  const found = answer.messages.find(isPinned);
  if (found) return found;
  // A reply in a thread is not in the channel's history; conversations.replies finds it by its own ts.
  const thread = history.parse(
    await deps.slack.call('conversations.replies', { channel: data.channel, ts: data.ts, inclusive: true, limit: 200 }),
  );
  return thread.messages.find(isPinned);
}
