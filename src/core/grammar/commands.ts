import { clip, parseArguments, usageError } from './arguments.ts';
import { parseBackup } from './backup-command.ts';
import { checkCatalogWords, type Vocabulary } from './catalog-words.ts';
import { parseDeploy } from './deploy-command.ts';
import { parseIncident } from './incident-command.ts';
import { parseOps } from './ops-command.ts';
import { dropTo, expectCount, optional, read, readFlag } from './reading.ts';
import type { CommandRequest, RestoreRequest, RollbackRequest } from './requests.ts';
import { isCommandName, type CommandName } from './usage.ts';
import { backupIdValue, catalogNameValue, nameValue, reasonValue, revisionOrVersionValue } from './values.ts';

export type {
  BackupRequest,
  CommandRequest,
  DeployRequest,
  IncidentRequest,
  OpsRequest,
  RestoreRequest,
  RollbackRequest,
  Strategy,
} from './requests.ts';
export { TITLE_MAX } from './incident-command.ts';

function parseRollback(text: string): RollbackRequest {
  const args = parseArguments('rollback', text, {
    to: 'value',
    reason: 'value',
    'break-glass': 'value',
    'dry-run': 'switch',
  });
  const [service, env] = expectCount(
    'rollback',
    args,
    0,
    2,
    2,
    args.positionals.length === 0
      ? 'What should be rolled back? e.g. `/rollback checkout production`.'
      : 'In which environment? e.g. `/rollback checkout production`.',
  );
  return {
    command: 'rollback',
    service: read('rollback', catalogNameValue('service'), service!.text, 'Service'),
    env: read('rollback', catalogNameValue('environment'), env!.text, 'Environment'),
    ...optional('to', readFlag('rollback', args, 'to', revisionOrVersionValue)),
    ...optional('reason', readFlag('rollback', args, 'reason', reasonValue)),
    ...optional('breakGlass', readFlag('rollback', args, 'break-glass', reasonValue)),
    ...(args.flags.has('dry-run') ? { dryRun: true } : {}),
  };
}

function parseRestore(text: string): RestoreRequest {
  const args = parseArguments('restore', text, { reason: 'value', 'break-glass': 'value', plan: 'switch' });
  const words = dropTo(args.positionals, 1);
  if (words.length < 2)
    throw usageError(
      'restore',
      words.length === 0
        ? 'Which backup? e.g. `/restore orders-20261123-071500-a1b2c3 to orders-restored`.'
        : 'Restore into what? Give a NEW instance or database name, e.g. `… to orders-restored`.',
      'missing_argument',
    );
  if (words.length > 2)
    throw usageError(
      'restore',
      `Unexpected \`${clip(words[2]!.text)}\`: /restore takes a backup id and a new target name.`,
      'extra_argument',
    );
  return {
    command: 'restore',
    backupId: read('restore', backupIdValue, words[0]!.text, 'Backup id'),
    target: read('restore', nameValue('target'), words[1]!.text, 'Target'),
    ...optional('reason', readFlag('restore', args, 'reason', reasonValue)),
    ...optional('breakGlass', readFlag('restore', args, 'break-glass', reasonValue)),
    ...(args.flags.has('plan') ? { plan: true } : {}),
  };
}

const PARSERS: Record<CommandName, (text: string, words?: Vocabulary) => CommandRequest> = {
  ops: parseOps,
  deploy: parseDeploy,
  rollback: parseRollback,
  backup: parseBackup,
  restore: parseRestore,
  incident: parseIncident,
};

// `slashCommand` is what Slack sends in `command` ("/deploy"); `text` is everything after it.
// Given the catalog's words, a name that is in none of them is refused here, naming it.
export function parseCommand(slashCommand: string, text: string, words?: Vocabulary): CommandRequest {
  const name = slashCommand.replace(/^\//, '');
  if (!isCommandName(name))
    throw usageError('ops', `ops-bot does not answer \`${clip(slashCommand)}\`.`, 'unknown_command');
  const request = PARSERS[name](text, words);
  if (words !== undefined) checkCatalogWords(request, words);
  return request;
}

export function commandLabel(request: CommandRequest): string {
  return 'sub' in request ? `/${request.command} ${request.sub}` : `/${request.command}`;
}

// Requests answered entirely in the acknowledgement (help, reads) start nothing, so a retried
// delivery may simply be answered again. Everything else starts work and must be claimed once.
export function startsWork(request: CommandRequest): boolean {
  switch (request.command) {
    case 'ops':
      return request.sub === 'whoami' || request.sub === 'cancel';
    case 'deploy':
      return request.sub === 'run';
    case 'backup':
      return request.sub !== 'list';
    case 'incident':
      return request.sub !== 'list' && request.sub !== 'timeline';
    default:
      return true;
  }
}
