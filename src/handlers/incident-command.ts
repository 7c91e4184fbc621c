import { esc } from '../core/mrkdwn.ts';
import { section, view, type View } from '../bot/views/blocks.ts';
import { declareModal } from '../bot/views/incident-modals.ts';
import { incidentListView, timelineView } from '../bot/views/incident-report.ts';
import type { IncidentRequest } from '../core/grammar/commands.ts';
import type { IncidentEvent } from '../core/incident-events.ts';
import { UserError } from '../core/user-error.ts';
import { requireRole } from './authorize.ts';
import type { CommandHandler, CommandTurn } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { checkBeforeForm, openForm } from './form-trigger.ts';
import { declareIncident } from './incident.ts';
import { changeIncident, incidentHere } from './incident-change.ts';

type Sub<S extends IncidentRequest['sub']> = IncidentRequest & { sub: S };

export function incidentCommand(deps: HandlerDeps): CommandHandler {
  return async (turn) => {
    const { request, payload } = turn;
    if (request.command !== 'incident') return undefined;
    const actor = payload.user_id;
    switch (request.sub) {
      case 'declare':
        return declareFromCommand(deps, turn, request);
      case 'list':
        return incidentListView(await deps.incidents.open(), deps.now());
      case 'timeline': {
        const record = await incidentHere(deps, payload.channel_id, 'show a timeline of');
        return timelineView(record, await deps.incidents.timeline(record.id));
      }
      case 'note':
        return addNote(deps, turn, request);
      case 'sev':
        return changeHere(deps, turn, 'change the severity of', { type: 'severity', actor, to: request.severity });
      case 'resolve':
        return changeHere(deps, turn, 'resolve', { type: 'resolve', actor, summary: request.summary });
      case 'reopen':
        return changeHere(deps, turn, 'reopen', { type: 'reopen', actor });
    }
  };
}

// Without a severity and a title, the form asks for them.
async function declareFromCommand(
  deps: HandlerDeps,
  turn: CommandTurn,
  request: Sub<'declare'>,
): Promise<View | undefined> {
  if (request.severity === undefined || request.title === undefined) return openDeclareForm(deps, turn);
  return declareIncident(
    deps,
    { severity: request.severity, title: request.title, services: request.services },
    turn.envelope(),
    turn.deliveryKey,
    (entry) => turn.accept(entry, { failClosed: true }),
    { force: false },
  );
}

async function openDeclareForm(deps: HandlerDeps, { payload, deadline }: CommandTurn): Promise<undefined> {
  await checkBeforeForm(deadline, requireRole(deps, payload.user_id, 'incident'));
  const noTrigger = new UserError('Slack sent no trigger to open the form with.', {
    hint: 'Use `/incident declare P1 "title"` instead.',
    code: 'no_trigger',
  });
  const modal = declareModal(Object.keys(deps.catalog.services), payload.channel_id);
  return openForm(deps, deadline, payload.trigger_id, modal, noTrigger);
}

async function addNote(deps: HandlerDeps, turn: CommandTurn, request: Sub<'note'>): Promise<View> {
  const userId = turn.payload.user_id;
  const record = await incidentHere(deps, turn.payload.channel_id, 'note');
  await requireRole(deps, userId, 'incident');
  await turn.accept(
    { action: 'incident.note', target: `incident/${record.id}`, reason: request.text },
    { failClosed: true },
  );
  await deps.incidents.addTimeline(record.id, { kind: 'note', actor: userId, text: esc(request.text), at: deps.now() });
  return view('Added to the timeline.', [section(`:memo: Added to the timeline: ${esc(request.text)}`)]);
}

// Severity, resolve and reopen: the incident is the one whose channel the command was typed in.
async function changeHere(deps: HandlerDeps, turn: CommandTurn, what: string, event: IncidentEvent): Promise<View> {
  const record = await incidentHere(deps, turn.payload.channel_id, what);
  await turn.accept({ action: `incident.${event.type}.request`, target: `incident/${record.id}` });
  return changeIncident(deps, record, event, turn.correlationId);
}
