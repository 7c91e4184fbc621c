import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import type { View } from '../bot/views/blocks.ts';
import { nameValue } from '../core/grammar/values.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import { AFTER_ACK_MS, AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';
import { requesterOf } from './envelopes.ts';
import { viewOfError } from './error-boundary.ts';
import { formMetadata } from './form-metadata.ts';
import { pressAgainWhenFrozen } from './break-glass.ts';
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
// of the request goes to the person privately in the channel the button was in. Nothing is read or
// written before the ack: the request itself runs after it.
export function restoreSubmitted(deps: HandlerDeps) {
  return async ({ body, ack }: SlackViewMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const parsed = restoreSubmission.safeParse(body);
    if (!parsed.success) return void (await ack());
    const { view: modal } = parsed.data;
    const meta = formMetadata(restoreMeta, modal.private_metadata);
    if (!meta) {
      deps.logger.warn('restore form without readable private_metadata');
      const lost =
        'This form no longer says which backup it restores; nothing was changed. Open it again from the Restore… button.';
      return void (await ack({ response_action: 'errors', errors: { target: lost } }));
    }
    const target = nameValue('target').safeParse((modal.state.values.target.value.value ?? '').trim());
    if (!target.success)
      return void (await ack({
        response_action: 'errors',
        errors: { target: `Use lowercase letters, digits and hyphens, starting with a letter.` },
      }));
    await ack();
    await restoreInto(deps, parsed.data, meta, target.data);
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
    // Acked already: the answer goes to the channel privately, with no 3-second limit.
    const ask = { backupId: meta.backupId, target, reason, deadline: new AckDeadline(performance.now(), AFTER_ACK_MS) };
    answer = await requestRestore(deps, ask, envelope, `view:${modal.id}`, acceptAs(deps, asker));
  } catch (thrown) {
    const error = pressAgainWhenFrozen(thrown, 'Restore…');
    answer = viewOfError(error, correlationId, deps.logger);
    await recordRefusal(deps, asker, 'restore.request', error);
  }
  await deps.slack
    .postEphemeral(meta.channel, user.id, answer)
    .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not answer the restore form'));
}
