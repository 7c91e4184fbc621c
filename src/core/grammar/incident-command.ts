import { parseArguments, restOf, usageError, type Arguments } from './arguments.ts';
import { expectCount, read, readFlag, subcommandOf, unknownSubcommand } from './reading.ts';
import type { IncidentRequest } from './requests.ts';
import { catalogNameValue, reasonValue, severityValue } from './values.ts';

// The longest incident title, from the command, the form or a button (details go in notes).
export const TITLE_MAX = 150;

const INCIDENT_SUBCOMMANDS = ['declare', 'note', 'sev', 'resolve', 'reopen', 'list', 'timeline'];

function declaredTitle(args: Arguments): string {
  // A title of spaces is no title (a quoted "   " would otherwise name a channel inc-…-incident).
  const title = restOf(args, 2).trim();
  if (title.length === 0)
    throw usageError(
      'incident',
      'The incident needs a title, e.g. `/incident declare P1 "checkout errors"`.',
      'missing_argument',
    );
  if (title.length > TITLE_MAX)
    throw usageError(
      'incident',
      `The title is ${title.length} characters long; keep it under ${TITLE_MAX} and put details in a note.`,
      'invalid_value',
    );
  return title;
}

function declare(args: Arguments): IncidentRequest {
  if (args.positionals.length === 1 && args.flags.size === 0)
    return { command: 'incident', sub: 'declare', services: [] };
  const severity = args.positionals[1];
  if (severity === undefined)
    throw usageError('incident', 'Which severity? e.g. `/incident declare P1 "checkout errors"`.', 'missing_argument');
  const title = declaredTitle(args);
  const service = readFlag('incident', args, 'service', catalogNameValue('service'));
  return {
    command: 'incident',
    sub: 'declare',
    severity: read('incident', severityValue, severity.text, 'Severity'),
    title,
    services: service === undefined ? [] : [service],
  };
}

function note(args: Arguments): IncidentRequest {
  const text = restOf(args, 1);
  if (text.length === 0)
    throw usageError(
      'incident',
      'What should the note say? e.g. `/incident note rolled back checkout`.',
      'missing_argument',
    );
  return { command: 'incident', sub: 'note', text: read('incident', reasonValue, text, 'The note') };
}

function changeSeverity(args: Arguments): IncidentRequest {
  const [severity] = expectCount('incident', args, 1, 1, 1, 'Which severity? e.g. `/incident sev P0`.');
  return { command: 'incident', sub: 'sev', severity: read('incident', severityValue, severity!.text, 'Severity') };
}

function resolve(args: Arguments): IncidentRequest {
  const summary = restOf(args, 1);
  return summary.length === 0
    ? { command: 'incident', sub: 'resolve' }
    : { command: 'incident', sub: 'resolve', summary: read('incident', reasonValue, summary, 'The summary') };
}

export function parseIncident(text: string): IncidentRequest {
  const args = parseArguments('incident', text, { service: 'value' });
  const sub = subcommandOf(args);
  // The word in the subcommand's place is named before any flag that would not fit it.
  if (sub !== undefined && !INCIDENT_SUBCOMMANDS.includes(sub) && sub !== 'severity')
    unknownSubcommand('incident', sub, INCIDENT_SUBCOMMANDS, ['severity']);
  if (sub !== 'declare' && args.flags.size > 0)
    throw usageError('incident', '`--service` only applies to /incident declare.', 'unknown_flag');
  switch (sub) {
    case 'declare':
      return declare(args);
    case 'note':
      return note(args);
    case 'sev':
    case 'severity':
      return changeSeverity(args);
    case 'resolve':
      return resolve(args);
    case 'reopen':
    case 'list':
    case 'timeline':
      expectCount('incident', args, 1, 0, 0, '');
      return { command: 'incident', sub };
    case undefined:
      throw usageError(
        'incident',
        'What should happen? e.g. `/incident declare P1 "checkout errors"`.',
        'missing_argument',
      );
    default:
      return unknownSubcommand('incident', sub, INCIDENT_SUBCOMMANDS, ['severity']);
  }
}
