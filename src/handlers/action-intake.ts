import type { AllMiddlewareArgs, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import type { View } from '../bot/views/blocks.ts';
import { UserError } from '../core/user-error.ts';
import { AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';
import { viewOfError } from './error-boundary.ts';

// What ops-bot reads of a block_actions payload; the rest of Slack's payload is ignored.
export const blockActionPayload = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1), team_id: z.string().optional() }),
  team: z.object({ id: z.string() }).nullable().optional(),
  channel: z.object({ id: z.string() }).optional(),
  container: z
    .object({
      // 'message' for a button in a channel, 'view' for one on the Home tab (or in a modal).
      type: z.string().optional(),
      message_ts: z.string().optional(),
      channel_id: z.string().optional(),
      is_ephemeral: z.boolean().optional(),
    })
    .optional(),
  response_url: z.url().optional(),
  trigger_id: z.string().optional(),
  actions: z
    .array(
      z.object({
        action_id: z.string().min(1),
        block_id: z.string().optional(),
        value: z.string().max(2_000).optional(),
        selected_options: z
          .array(z.object({ value: z.string().max(150) }))
          .max(100)
          .optional(),
        action_ts: z.string(),
      }),
    )
    .min(1),
});

export type BlockActionPayload = z.output<typeof blockActionPayload>;
export type ActionTurn = {
  payload: BlockActionPayload;
  action: BlockActionPayload['actions'][number];
  correlationId: string;
  // From the click's arrival: a button that opens a form must do so before Slack expires its trigger_id.
  triggerDeadline: AckDeadline;
};
export type ActionHandler = (turn: ActionTurn) => Promise<View | undefined>;

// One listener for every button: known action ids go to their handler, anything else (a button on
// an old message, a payload that does not parse) is acknowledged at once and answered, instead of
// leaving Slack to time out and show the person an error.
export function blockActions(deps: HandlerDeps, table: Record<string, ActionHandler>) {
  return async ({ body, ack, respond }: SlackActionMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const triggerDeadline = new AckDeadline(currentContext()?.receivedAt);
    const correlationId = currentContext()?.correlationId ?? 'none';
    const receivedAt = deps.now();
    const parsed = blockActionPayload.safeParse(body);
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues }, 'block_actions payload is not valid');
      deps.metrics.slackRequests.inc({ kind: 'action', name: 'invalid', outcome: 'refused' });
      return;
    }
    const payload = parsed.data;
    const action = payload.actions[0]!;
    const handler = table[action.action_id];
    let reply: View | undefined;
    let outcome = 'accepted';
    try {
      if (!handler)
        throw new UserError('That button is no longer handled by ops-bot; nothing was changed.', {
          hint: '`/ops help` lists what you can do now.',
          code: 'unknown_action',
        });
      reply = await handler({ payload, action, correlationId, triggerDeadline });
    } catch (error) {
      outcome = error instanceof UserError ? 'refused' : 'error';
      reply = viewOfError(error, correlationId, deps.logger);
      await deps.audit
        .record({
          at: receivedAt,
          event: 'request',
          decision: outcome === 'refused' ? 'refused' : 'failed',
          actor: payload.user.id,
          team: payload.team?.id ?? payload.user.team_id,
          channel: payload.channel?.id,
          command: `button ${action.action_id}`,
          action: `button.${action.action_id}`,
          correlationId,
          reason: error instanceof UserError ? error.message : 'internal error',
        })
        .catch((auditError: unknown) => deps.logger.error({ err: auditError }, 'audit write failed'));
    }
    deps.metrics.slackRequests.inc({ kind: 'action', name: handler ? action.action_id : 'unknown', outcome });
    if (reply && payload.response_url)
      await respond({ response_type: 'ephemeral', replace_original: false, ...reply }).catch((error: unknown) =>
        deps.logger.warn({ err: error }, 'could not answer the button'),
      );
    else if (reply && payload.container?.type === 'view') await answerByDirectMessage(deps, payload.user.id, reply);
  };
}

// A button on the Home tab comes with no response_url and no channel: its answer (a refusal above all,
// say the request was decided meanwhile) goes to the person's messages with ops-bot instead.
async function answerByDirectMessage(deps: HandlerDeps, userId: string, reply: View): Promise<void> {
  try {
    await deps.slack.postMessage(await deps.slack.openDirectMessage(userId), reply);
  } catch (error) {
    deps.logger.warn({ err: error }, 'could not answer the Home button by direct message');
  }
}
