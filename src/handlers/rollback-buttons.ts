import { z } from 'zod';
import { currentContext } from '../adapters/log.ts';
import { DEPLOY_ROLLBACK } from '../bot/views/deploy.ts';
import { ROLLBACK_TO } from '../bot/views/history.ts';
import { UserError } from '../core/user-error.ts';
import type { JobEnvelope } from '../jobs/job-data.ts';
import type { ActionHandler, ActionTurn } from './action-intake.ts';
import { AFTER_ACK_MS, AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';
import { buttonChannel, buttonDeliveryKey, buttonEnvelope } from './envelopes.ts';
import { requestRollback, type Requester } from './rollback.ts';

const buttonTarget = z.object({ service: z.string(), env: z.string(), revision: z.number().int().optional() });

type ButtonTarget = z.output<typeof buttonTarget>;

// The Rollback button of a deploy message and the Rollback-to buttons of /deploy history.
export function rollbackButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  const pressed: ActionHandler = async (turn) => {
    const target = targetOf(turn.action.value);
    const envelope = buttonEnvelope(deps, turn, commandOf(turn, target));
    const rollback = {
      service: target.service,
      env: target.env,
      ...(target.revision !== undefined ? { to: { revision: target.revision } } : {}),
      reason: 'from the Rollback button',
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

function targetOf(value: string | undefined): ButtonTarget {
  try {
    return buttonTarget.parse(JSON.parse(value ?? ''));
  } catch {
    throw new UserError('That Rollback button does not name a target.', { code: 'bad_button' });
  }
}

// The button as the command it stands for, for the audit log and the job.
function commandOf({ action }: ActionTurn, target: ButtonTarget): string {
  const to = target.revision !== undefined ? ` --to ${target.revision}` : '';
  return `button ${action.action_id} ${target.service} ${target.env}${to}`;
}

function acceptFromButton(deps: HandlerDeps, turn: ActionTurn, envelope: JobEnvelope): Requester['accept'] {
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
