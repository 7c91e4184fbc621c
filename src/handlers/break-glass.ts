import { z } from 'zod';
import { breakGlassModal } from '../bot/views/break-glass-modal.ts';
import type { FreezePeriod } from '../core/freeze.ts';
import type { IncidentRecord } from '../core/incident-record.ts';
import { describePeople } from '../core/people.ts';
import { promoteButtonSchema } from '../core/promote.ts';
import { gateFor, type ChangeKind } from '../core/policy.ts';
import { boundRelease, shownRollback } from '../core/rollback-button.ts';
import { environmentOf } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import type { ActionTurn } from './action-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { VIEWS_OPEN_RESERVE_MS, withinBudget } from './budget.ts';
import { checkBeforeForm, openForm } from './form-trigger.ts';

// What a break-glass form was opened for: the change the button would have requested, bound as the
// button was (a bound release, the ends a card form showed, the promoted digest), so the submit
// re-checks exactly what the press would have, and the channel it was pressed in.
export const breakGlassBinding = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('rollback'),
    channel: z.string(),
    service: z.string(),
    env: z.string(),
    command: z.string(),
    reason: z.string(),
    bound: boundRelease.optional(),
    shown: shownRollback.optional(),
  }),
  z.object({ kind: z.literal('restore'), channel: z.string(), backupId: z.string() }),
  z.object({ kind: z.literal('promote'), channel: z.string(), button: promoteButtonSchema }),
]);
export type BreakGlassBinding = z.output<typeof breakGlassBinding>;

export type BreakGlassAsk = {
  binding: BreakGlassBinding;
  env: string;
  kind: ChangeKind;
  what: string;
  inputs?: Record<string, unknown>[];
  // Checks the press would make before opening anything (the role), run within the trigger's budget.
  checks: Promise<unknown>;
};

// The freeze a button's change would meet now, when break-glass can get it through; a freeze with no
// break-glass policy is refused as the command is, and no freeze leaves the button to act as before.
export function freezeToBreak(deps: HandlerDeps, env: string, kind: ChangeKind): FreezePeriod | undefined {
  const gate = gateFor(environmentOf(deps.catalog, env), kind, undefined, deps.now());
  return gate.verdict === 'frozen' && gate.breakGlassPossible ? gate.freeze : undefined;
}

// The open incident whose channel this is, if any: offered as the reason, and linked in the audit.
export async function incidentOfChannel(deps: HandlerDeps, channel: string): Promise<IncidentRecord | undefined> {
  if (!channel) return undefined;
  const incident = await deps.incidents.byChannel(channel);
  return incident && incident.status !== 'resolved' ? incident : undefined;
}

export function incidentWords(incident: IncidentRecord): string {
  const name = incident.channelName ? `#${incident.channelName}` : incident.id;
  return `incident ${name} ${incident.severity} ${incident.title}`;
}

// The press, inside a freeze: the break-glass form, opened before Slack expires the trigger_id.
export async function openBreakGlass(
  deps: HandlerDeps,
  turn: ActionTurn,
  freeze: FreezePeriod,
  ask: BreakGlassAsk,
): Promise<undefined> {
  const { payload, triggerDeadline } = turn;
  await checkBeforeForm(triggerDeadline, ask.checks);
  // Only an offer: when PostgreSQL cannot say in time, the form opens without it.
  const lookup = incidentOfChannel(deps, ask.binding.channel).catch(() => undefined);
  const incident = await withinBudget(lookup, triggerDeadline.share(Number.POSITIVE_INFINITY, VIEWS_OPEN_RESERVE_MS));
  const glass = environmentOf(deps.catalog, ask.env).breakGlass;
  const modal = breakGlassModal({
    freeze,
    what: ask.what,
    approvers: glass ? `${glass.required} of ${describePeople(glass.approvers)}` : 'none',
    incident: incident ? incidentWords(incident) : undefined,
    inputs: ask.inputs ?? [],
    metadata: JSON.stringify(ask.binding),
  });
  const noTrigger = new UserError(
    `Slack did not send what is needed to open the break-glass form, and ${ask.env} is frozen (${freeze.name}). Nothing was changed.`,
    { hint: 'Run the command with --break-glass "why" instead.', code: 'no_trigger' },
  );
  return openForm(deps, triggerDeadline, payload.trigger_id, modal, noTrigger);
}

// A form opened before a freeze began and submitted inside it is refused by the gate, whose hint
// names --break-glass: a form cannot add that, but its button, pressed again, opens the break-glass form.
export function pressAgainWhenFrozen(error: unknown, button: string): unknown {
  if (!(error instanceof UserError) || error.code !== 'frozen' || !error.hint?.includes('--break-glass')) return error;
  const hint = `Press ${button} again: during a freeze it opens the break-glass form, which asks why and for the break-glass approvers.`;
  return new UserError(error.message, { hint, code: 'frozen' });
}
