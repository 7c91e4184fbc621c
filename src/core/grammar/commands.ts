import { z } from 'zod';
import { clip, parseArguments, usageError, type Arguments } from './arguments.ts';
import { parseIncident } from './incident-command.ts';
import { parseOps } from './ops-command.ts';
import { DEFAULT_LIMIT, dropTo, expectCount, optional, read, readFlag, subcommandOf } from './reading.ts';
import type { BackupRequest, CommandRequest, DeployRequest, RestoreRequest, RollbackRequest } from './requests.ts';
import type { Token } from './tokenize.ts';
import { isCommandName, type CommandName } from './usage.ts';
import { backupIdValue, limitValue, nameValue, reasonValue, revisionOrVersionValue, versionValue } from './values.ts';

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

function deployHistory(args: Arguments): DeployRequest {
  for (const flag of args.flags.keys())
    if (flag !== 'limit')
      throw usageError('deploy', `\`--${flag}\` does not apply to /deploy history.`, 'unknown_flag');
  const [service, env] = expectCount(
    'deploy',
    args,
    1,
    2,
    2,
    'Which service and environment? e.g. `/deploy history checkout production`.',
  );
  return {
    command: 'deploy',
    sub: 'history',
    service: read('deploy', nameValue('service'), service!.text, 'Service'),
    env: read('deploy', nameValue('environment'), env!.text, 'Environment'),
    limit: readFlag('deploy', args, 'limit', limitValue) ?? DEFAULT_LIMIT,
  };
}

function deployWords(args: Arguments): [Token, Token, Token] {
  const words = dropTo(args.positionals, 2);
  if (words.length < 3) throw usageError('deploy', missingDeployPart(words.length), 'missing_argument');
  if (words.length > 3)
    throw usageError(
      'deploy',
      `Unexpected \`${clip(words[3]!.text)}\`: /deploy takes a service, a version and an environment.`,
      'extra_argument',
    );
  const [service, version, env] = words as [Token, Token, Token];
  // "/deploy checkout to production" forgot the version; "to" must not be taken for a tag.
  if (!version.quoted && version.text.toLowerCase() === 'to')
    throw usageError('deploy', missingDeployPart(1), 'missing_argument');
  return [service, version, env];
}

function deployRun(args: Arguments): DeployRequest {
  if (args.flags.has('limit')) throw usageError('deploy', '`--limit` only applies to /deploy history.', 'unknown_flag');
  const [service, version, env] = deployWords(args);
  return {
    command: 'deploy',
    sub: 'run',
    service: read('deploy', nameValue('service'), service.text, 'Service'),
    version: read('deploy', versionValue, version.text, 'Version'),
    env: read('deploy', nameValue('environment'), env.text, 'Environment'),
    ...optional('strategy', readFlag('deploy', args, 'strategy', strategyValue)),
    ...optional('reason', readFlag('deploy', args, 'reason', reasonValue)),
    ...optional('breakGlass', readFlag('deploy', args, 'break-glass', reasonValue)),
    dryRun: args.flags.has('dry-run'),
  };
}

function parseDeploy(text: string): DeployRequest {
  const args = parseArguments('deploy', text, {
    strategy: 'value',
    reason: 'value',
    'dry-run': 'switch',
    'break-glass': 'value',
    limit: 'value',
  });
  return subcommandOf(args) === 'history' ? deployHistory(args) : deployRun(args);
}

function missingDeployPart(given: number): string {
  return [
    'What should be deployed? e.g. `/deploy checkout 1.4.2 to staging`.',
    'Which version? e.g. `/deploy checkout 1.4.2 to staging`.',
    'To which environment? e.g. `/deploy checkout 1.4.2 to staging`.',
  ][given]!;
}

const strategyValue = z.enum(['rolling', 'bluegreen', 'canary'], {
  error: 'is not a strategy: use rolling, bluegreen or canary',
});

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
    service: read('rollback', nameValue('service'), service!.text, 'Service'),
    env: read('rollback', nameValue('environment'), env!.text, 'Environment'),
    ...optional('to', readFlag('rollback', args, 'to', revisionOrVersionValue)),
    ...optional('reason', readFlag('rollback', args, 'reason', reasonValue)),
    ...optional('breakGlass', readFlag('rollback', args, 'break-glass', reasonValue)),
    ...(args.flags.has('dry-run') ? { dryRun: true } : {}),
  };
}

function allowOnly(args: Arguments, ...names: string[]): void {
  for (const flag of args.flags.keys())
    if (!names.includes(flag)) throw usageError('backup', `\`--${flag}\` does not apply here.`, 'unknown_flag');
}

function backupList(args: Arguments): BackupRequest {
  allowOnly(args, 'limit');
  const [database] = expectCount('backup', args, 1, 1, 1, 'Which database? e.g. `/backup list orders`.');
  return {
    command: 'backup',
    sub: 'list',
    database: read('backup', nameValue('database'), database!.text, 'Database'),
    limit: readFlag('backup', args, 'limit', limitValue) ?? DEFAULT_LIMIT,
  };
}

function backupVerify(args: Arguments): BackupRequest {
  allowOnly(args, 'plan');
  const [id] = expectCount(
    'backup',
    args,
    1,
    1,
    1,
    'Which backup? e.g. `/backup verify ledger-20261123-071500-a1b2c3` (`/backup list <database>` shows ids).',
  );
  return {
    command: 'backup',
    sub: 'verify',
    backupId: read('backup', backupIdValue, id!.text, 'Backup id'),
    plan: args.flags.has('plan'),
  };
}

function backupRun(args: Arguments): BackupRequest {
  allowOnly(args, 'reason');
  const [database] = expectCount(
    'backup',
    args,
    0,
    1,
    1,
    'Which database? e.g. `/backup orders --reason "before migration"`.',
  );
  return {
    command: 'backup',
    sub: 'run',
    database: read('backup', nameValue('database'), database!.text, 'Database'),
    ...optional('reason', readFlag('backup', args, 'reason', reasonValue)),
  };
}

function parseBackup(text: string): BackupRequest {
  const args = parseArguments('backup', text, { reason: 'value', limit: 'value', plan: 'switch' });
  const sub = subcommandOf(args);
  if (sub === 'list') return backupList(args);
  if (sub === 'verify') return backupVerify(args);
  return backupRun(args);
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

const PARSERS: Record<CommandName, (text: string) => CommandRequest> = {
  ops: parseOps,
  deploy: parseDeploy,
  rollback: parseRollback,
  backup: parseBackup,
  restore: parseRestore,
  incident: parseIncident,
};

// `slashCommand` is what Slack sends in `command` ("/deploy"); `text` is everything after it.
export function parseCommand(slashCommand: string, text: string): CommandRequest {
  const name = slashCommand.replace(/^\//, '');
  if (!isCommandName(name))
    throw usageError('ops', `ops-bot does not answer \`${clip(slashCommand)}\`.`, 'unknown_command');
  return PARSERS[name](text);
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
