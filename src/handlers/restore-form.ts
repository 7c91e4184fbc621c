import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import type { View } from '../bot/views/blocks.ts';
import { nameValue } from '../core/grammar/values.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import type { HandlerDeps } from './deps.ts';
import { requesterOf } from './envelopes.ts';
import { viewOfError } from './error-boundary.ts';
import { acceptAs, recordRefusal } from './request-audit.ts';
import { requestRestore } from './restore.ts';

const restoreSubmission = z.object({
  user: z.object({ id: z.string(), team_id: z.string().optional() }),
  view: z.object({
    id: z.string(),
    private_metadata: z.string(),
    state: z.object({
      values: z.object({
        target: z.object({ value: z.object({ value: z.string().nullish() }) }),
        reason: z.object({ value: z.object({ value: z.string().nullish() }) }).optional(),
      }),
    }),
  }),
});

const restoreMeta = z.object({ backupId: z.string(), channel: z.string() });

type RestoreSubmission = z.output<typeof restoreSubmission>;
type RestoreMeta = z.output<typeof restoreMeta>;

// The Restore… form: a bad name is shown next to its field (response_action: errors), the outcome
// of the request goes to the person privately in the channel the button was in.
export function restoreSubmitted(deps: HandlerDeps) {
  return async ({ body, ack }: SlackViewMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = restoreSubmission.safeParse(body);
    if (!parsed.success) return void (await ack());
    const { view: modal } = parsed.data;
    const meta = restoreMeta.safeParse(JSON.parse(modal.private_metadata || '{}'));
    const target = nameValue('target').safeParse((modal.state.values.target.value.value ?? '').trim());
    if (!target.success)
      return void (await ack({
        response_action: 'errors',
        errors: { target: `Use lowercase letters, digits and hyphens, starting with a letter.` },
      }));
    await ack();
    if (meta.success) await restoreInto(deps, parsed.data, meta.data, target.data);
  };
}

async function restoreInto(
  deps: HandlerDeps,
  { user, view: modal }: RestoreSubmission,
  meta: RestoreMeta,
  target: string,
): Promise<void> {
  const correlationId = currentContext()?.correlationId ?? 'none';
  const envelope: JobEnvelope = {
    correlationId,
    command: `form restore ${meta.backupId} to ${target}`,
    requestedAt: deps.now().toISOString(),
    requestedBy: requesterOf(user.id, user.team_id),
    channelId: meta.channel,
  };
  const asker = { actor: user.id, correlationId, channel: meta.channel, command: envelope.command };
  const reason = modal.state.values.reason?.value.value ?? undefined;
  let answer: View;
  try {
    const ask = { backupId: meta.backupId, target, reason };
    answer = await requestRestore(deps, ask, envelope, `view:${modal.id}`, acceptAs(deps, asker));
  } catch (error) {
    answer = viewOfError(error, correlationId, deps.logger);
    await recordRefusal(deps, asker, 'restore.request', error);
  }
  await deps.slack
    .postEphemeral(meta.channel, user.id, answer)
    .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not answer the restore form'));
}
