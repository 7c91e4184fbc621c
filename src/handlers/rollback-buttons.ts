import { currentContext } from '../adapters/log.ts';
import { DEPLOY_ROLLBACK } from '../bot/views/deploy.ts';
import { ROLLBACK_TO } from '../bot/views/history.ts';
import {
  legacyRollbackButton,
  rollbackButtonSchema,
  type BoundRelease,
  type RollbackButton,
} from '../core/rollback-button.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import type { ActionHandler, ActionTurn } from './action-intake.ts';
import { AFTER_ACK_MS, AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';
import { formMetadata } from './form-metadata.ts';
import { buttonChannel, buttonDeliveryKey, buttonEnvelope } from './envelopes.ts';
import { openCardRollback } from './incident-rollback.ts';
import { requireRole } from './authorize.ts';
import { freezeToBreak, openBreakGlass, type BreakGlassAsk } from './break-glass.ts';
import { esc } from '../core/mrkdwn.ts';
import { requestRollback, type Requester } from './rollback.ts';
import { planWithEnds } from '../jobs/rollback-plan.ts';

type ButtonTarget = RollbackButton;
type BoundButton = Extract<ButtonTarget, { bound: BoundRelease }>;

// The Rollback button of a deploy message, the Rollback-to buttons of /deploy history, and the
// incident card's Roll back (which opens a form naming both ends first: incident-rollback.ts).
export function rollbackButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  const pressed: ActionHandler = async (turn) => {
    const target = targetOf(turn.action.value);
    if ('lastGood' in target) return openCardRollback(deps, turn, { service: target.service, env: target.env });
    const freeze = freezeToBreak(deps, target.env, 'rollback');
    if (freeze) return openBreakGlass(deps, turn, freeze, breakGlassAsk(deps, turn, target));
    const envelope = buttonEnvelope(deps, turn, commandOf(turn, target));
    const rollback = {
      service: target.service,
      env: target.env,
      ...('bound' in target ? { bound: target.bound, to: toOf(target.bound) } : {}),
      reason: buttonReason('bound' in target ? target.bound : undefined),
    };
    return requestRollback(deps, rollback, {
      envelope,
      deliveryKey: buttonDeliveryKey(turn),
      // Acked already; the answer goes through response_url.
      deadline: new AckDeadline(performance.now(), AFTER_ACK_MS),
      accept: acceptFromButton(deps, turn, envelope),
    });
  };
  return { [DEPLOY_ROLLBACK]: pressed, [ROLLBACK_TO]: pressed };
}

// Which button it was, in the audit row and the request: a history row's, or a deploy message's.
function buttonReason(bound: BoundRelease | undefined): string {
  return bound?.kind === 'row' ? 'from /deploy history' : 'from the Rollback button';
}

// Inside a freeze the press opens the break-glass form, bound to the release this button was for.
function breakGlassAsk(deps: HandlerDeps, turn: ActionTurn, target: BoundButton): BreakGlassAsk {
  const { service, env, bound } = target;
  const to = bound.kind === 'deploy' ? bound.from.version : `revision ${bound.revision} (${bound.version})`;
  return {
    binding: {
      kind: 'rollback',
      channel: buttonChannel(turn.payload) ?? '',
      service,
      env,
      command: commandOf(turn, target),
      reason: buttonReason(bound),
      bound,
    },
    env,
    kind: 'rollback',
    what: `Roll back *${esc(service)}* in *${esc(env)}* to ${esc(to)}.`,
    // A button whose release no longer runs is refused before anyone writes a justification for it: the
    // plan checks the binding (jobs/rollback-bound.ts), and the submit checks it again.
    checks: (async () => {
      const userId = turn.payload.user.id;
      await requireRole(deps, userId, 'rollback');
      await planWithEnds(deps, { kind: 'rollback', service, env, bound, to: toOf(bound), dryRun: false }, userId);
    })(),
  };
}

// A button rendered before buttons were bound names no release: it is refused, since what it would
// roll back today may not be what its message showed.
function targetOf(value: string | undefined): ButtonTarget {
  const target = formMetadata(rollbackButtonSchema, value ?? '');
  if (target) return target;
  const legacy = formMetadata(legacyRollbackButton, value ?? '');
  if (legacy) {
    const { service, env } = legacy;
    throw new UserError(
      `This button is from an older message and does not say which release it was for. Nothing was changed.`,
      { hint: `Run \`/rollback ${service} ${env}\` to roll back from what runs now.`, code: 'stale_button' },
    );
  }
  throw new UserError('That Rollback button does not name a target.', { code: 'bad_button' });
}

// Back to the deploy's starting release by its version, or to the history row's revision (the
// pre-flight checks that revision is still the row's ReplicaSet).
export function toOf(bound: BoundRelease): { version: string } | { revision: number } {
  return bound.kind === 'deploy' ? { version: bound.from.version } : { revision: bound.revision };
}

// The button as the command it stands for, for the audit log and the job.
function commandOf({ action }: ActionTurn, target: ButtonTarget): string {
  const to = 'bound' in target ? ` --to ${Object.values(toOf(target.bound))[0]}` : '';
  return `button ${action.action_id} ${target.service} ${target.env}${to}`;
}

// A button's request, written to the audit log as its command would be.
export function acceptFromButton(deps: HandlerDeps, turn: ActionTurn, envelope: JobEnvelope): Requester['accept'] {
  const { payload, correlationId } = turn;
  return async (entry, options) => {
    try {
      await deps.audit.record({
        event: 'request',
        decision: 'accepted',
        actor: payload.user.id,
        correlationId: currentContext()?.correlationId ?? correlationId,
        channel: buttonChannel(payload),
        command: envelope.command,
        ...entry,
      });
    } catch (error) {
      if (options.failClosed)
        throw new UserError(
          'ops-bot cannot write its audit log right now, so it will not start anything. Nothing was changed.',
          { code: 'audit_unavailable' },
        );
      deps.logger.error({ err: error }, 'audit write failed');
    }
  };
}
