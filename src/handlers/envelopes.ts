import type { JobEnvelope } from '../jobs/job-data.ts';
import type { ActionTurn, BlockActionPayload } from './action-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { onlyGiven } from './optional-fields.ts';

export function requesterOf(userId: string, teamId: string | undefined): JobEnvelope['requestedBy'] {
  return { userId, ...onlyGiven({ teamId }) };
}

export function buttonChannel(payload: BlockActionPayload): string | undefined {
  return payload.channel?.id ?? payload.container?.channel_id;
}

// No responseUrl: on a button, replace_original would overwrite the message the button sits on.
export function buttonEnvelope(deps: HandlerDeps, turn: ActionTurn, command: string): JobEnvelope {
  const { payload, correlationId } = turn;
  return {
    correlationId,
    command,
    requestedAt: deps.now().toISOString(),
    requestedBy: requesterOf(payload.user.id, payload.user.team_id),
    ...onlyGiven({ channelId: buttonChannel(payload) }),
  };
}

export function buttonDeliveryKey({ payload, action }: ActionTurn): string {
  return `action:${payload.container?.message_ts}:${action.action_id}:${action.action_ts}:${payload.user.id}`;
}
