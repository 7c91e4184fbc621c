import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import type { View } from '../bot/views/blocks.ts';
import { ROLLBACK_MODAL, rollbackModal, type RollbackFormMeta } from '../bot/views/rollback-modal.ts';
import { planSummary } from '../core/plan.ts';
import { shownRollback } from '../core/rollback-button.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import { replyToRequester } from '../jobs/reply.ts';
import { planWithEnds } from '../jobs/rollback-plan.ts';
import type { ActionTurn } from './action-intake.ts';
import { requireRole } from './authorize.ts';
import { AFTER_ACK_MS, AckDeadline, VIEWS_OPEN_RESERVE_MS, beforeDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';
import { buttonChannel, requesterOf } from './envelopes.ts';
import { viewOfError } from './error-boundary.ts';
import { formMetadata } from './form-metadata.ts';
import { freezeToBreak, openBreakGlass, pressAgainWhenFrozen, type BreakGlassAsk } from './break-glass.ts';
import { esc } from '../core/mrkdwn.ts';
import { openForm } from './form-trigger.ts';
import { acceptAs, recordRefusal, type Asker } from './request-audit.ts';
import { requestRollback } from './rollback.ts';

type CardTarget = { service: string; env: string };

const CARD_REASON = 'from the incident card';
const CARD_COMMAND = (service: string, env: string): string => `form rollback ${service} ${env}`;

// The incident card's Roll back: the rollback is planned at the press — the last good release at
// that moment — and shown in a form naming both ends. Submitting it requests that rollback as the
// button did before (the normal gate, approvals included), bound to the ends it showed.
export async function openCardRollback(deps: HandlerDeps, turn: ActionTurn, target: CardTarget): Promise<undefined> {
  const { payload, triggerDeadline } = turn;
  const change = { kind: 'rollback' as const, ...target, dryRun: false };
  const preview = (async () => {
    await requireRole(deps, payload.user.id, 'rollback');
    return planWithEnds(deps, change, payload.user.id);
  })();
  // Slack expires the trigger_id 3 s after the click: planning gets what views.open does not need.
  const budget = triggerDeadline.share(Number.POSITIVE_INFINITY, VIEWS_OPEN_RESERVE_MS);
  const { plan, ends } = await beforeDeadline(preview, budget, () => tooSlow(target));
  const meta: RollbackFormMeta = {
    ...target,
    channel: buttonChannel(payload) ?? '',
    shown: { ...ends, summary: planSummary(plan) },
  };
  const freeze = freezeToBreak(deps, target.env, 'rollback');
  if (freeze) return openBreakGlass(deps, turn, freeze, breakGlassAsk(meta));
  const noTrigger = new UserError('Slack did not send what is needed to open the rollback form.', {
    hint: `Use \`/rollback ${target.service} ${target.env}\`: its answer names both ends too.`,
    code: 'no_trigger',
  });
  return openForm(deps, triggerDeadline, payload.trigger_id, rollbackModal(meta), noTrigger);
}

// Inside a freeze the card's form is the break-glass one, bound to the ends it shows.
function breakGlassAsk(meta: RollbackFormMeta): BreakGlassAsk {
  const { service, env, channel, shown } = meta;
  return {
    binding: {
      kind: 'rollback',
      channel,
      service,
      env,
      command: CARD_COMMAND(service, env),
      reason: CARD_REASON,
      shown,
    },
    env,
    kind: 'rollback',
    what: `Roll back *${esc(service)}* in *${esc(env)}*:\n${shown.summary}`,
    // The role was checked with the preview.
    checks: Promise.resolve(),
  };
}

// The cluster or the release ledger did not answer in time: the form cannot say what a rollback
// would do, so it is not opened; /rollback plans without the trigger's 3 seconds.
function tooSlow({ service, env }: CardTarget): UserError {
  return new UserError(
    `ops-bot could not work out the last good release of ${service} in ${env} in time (the cluster or the release ledger is slow), so it cannot show what a rollback would do. Nothing was changed.`,
    {
      hint: `Run \`/rollback ${service} ${env}\`: it plans to the last good release and names both ends before anything runs.`,
      code: 'rollback_preview_late',
    },
  );
}

const submission = z.object({
  user: z.object({ id: z.string(), team_id: z.string().optional() }),
  view: z.object({ id: z.string(), private_metadata: z.string() }),
});
const formMeta = z.object({ service: z.string(), env: z.string(), channel: z.string(), shown: shownRollback });

// Submitted: closed at once (the form has nothing to correct), then the rollback is requested with
// the ends it showed; the answer goes to the person privately in the channel the card is in.
export function cardRollbackSubmitted(deps: HandlerDeps) {
  return async ({ body, ack }: SlackViewMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const parsed = submission.safeParse(body);
    if (!parsed.success) return;
    const { user, view: modal } = parsed.data;
    const correlationId = currentContext()?.correlationId ?? 'none';
    const meta = formMetadata(formMeta, modal.private_metadata);
    const command = meta ? CARD_COMMAND(meta.service, meta.env) : undefined;
    const target = meta ? `${meta.service}/${meta.env}` : undefined;
    const asker: Asker = { actor: user.id, correlationId, channel: meta?.channel, command, target };
    let answer: View;
    try {
      if (!meta)
        throw new UserError('This rollback form no longer says what it was for. Nothing was changed.', {
          hint: 'Press Roll back on the incident card again.',
          code: 'bad_form',
        });
      answer = await requestFromForm(deps, meta, { userId: user.id, teamId: user.team_id, formId: modal.id }, asker);
    } catch (thrown) {
      const error = pressAgainWhenFrozen(thrown, 'Roll back on the incident card');
      answer = viewOfError(error, correlationId, deps.logger);
      await recordRefusal(deps, asker, ROLLBACK_MODAL, error);
    }
    const requester = { correlationId, requestedAt: deps.now().toISOString(), requestedBy: { userId: user.id } };
    await replyToRequester(deps.slack, { ...requester, ...(meta ? { channelId: meta.channel } : {}) }, answer).catch(
      (error: unknown) => deps.logger.warn({ err: error }, 'could not answer the rollback form'),
    );
  };
}

async function requestFromForm(
  deps: HandlerDeps,
  meta: z.output<typeof formMeta>,
  who: { userId: string; teamId: string | undefined; formId: string },
  asker: Asker,
): Promise<View> {
  const envelope: JobEnvelope = {
    correlationId: asker.correlationId,
    command: CARD_COMMAND(meta.service, meta.env),
    requestedAt: deps.now().toISOString(),
    requestedBy: requesterOf(who.userId, who.teamId),
    ...(meta.channel ? { channelId: meta.channel } : {}),
  };
  const request = { service: meta.service, env: meta.env, shown: meta.shown, reason: CARD_REASON };
  return requestRollback(deps, request, {
    envelope,
    deliveryKey: `view:${who.formId}`,
    // Acked already: the answer goes to the channel privately, with no 3-second limit.
    deadline: new AckDeadline(performance.now(), AFTER_ACK_MS),
    accept: acceptAs(deps, asker),
  });
}
