import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import { userErrorView } from '../bot/views/errors.ts';
import { jobIdFor } from '../core/ids.ts';
import { UserError } from '../core/user-error.ts';
import { requireRole } from './authorize.ts';
import type { HandlerDeps } from './deps.ts';

// 📌 on a message in an incident channel puts it on the timeline (a job reads the message).
export function pinReaction(deps: HandlerDeps) {
  const reaction = z.object({
    user: z.string(),
    reaction: z.string(),
    item: z.object({ type: z.string(), channel: z.string().optional(), ts: z.string().optional() }),
  });
  return async ({ event }: SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs): Promise<void> => {
    const parsed = reaction.safeParse(event);
    if (!parsed.success || parsed.data.reaction !== 'pushpin' || !parsed.data.item.channel || !parsed.data.item.ts)
      return;
    const { user, item } = parsed.data;
    try {
      const record = await deps.incidents.byChannel(item.channel!);
      if (!record) return;
      await requireRole(deps, user, 'incident');
      const correlationId = currentContext()?.correlationId ?? record.correlationId;
      await deps.queues.enqueue('incident-pin', jobIdFor('incident-pin', `${item.channel}:${item.ts}`), {
        correlationId,
        incidentId: record.id,
        channel: item.channel!,
        ts: item.ts!,
        user,
      });
    } catch (error) {
      deps.logger.warn({ err: error }, 'could not put the pinned message on the timeline');
      if (error instanceof UserError)
        await deps.slack
          .postEphemeral(item.channel!, user, userErrorView(error.message, error.hint))
          .catch(() => undefined);
    }
  };
}
