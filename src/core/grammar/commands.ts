import { z } from 'zod';
import { clip, parseArguments, restOf, usageError, type Arguments, type FlagSpec } from './arguments.ts';
import type { Token } from './tokenize.ts';
import type { CommandName } from './usage.ts';
import {
  backupIdValue,
  jobIdValue,
  limitValue,
  nameValue,
  reasonValue,
  revisionOrVersionValue,
  severityValue,
  sinceValue,
  versionValue,
  type Severity,
} from './values.ts';

export type Strategy = 'rolling' | 'bluegreen' | 'canary';

export type OpsRequest =
  | { command: 'ops'; sub: 'help'; topic?: CommandName }
  | { command: 'ops'; sub: 'whoami' }
  | { command: 'ops'; sub: 'status'; jobId?: string }
  | { command: 'ops'; sub: 'history'; service?: string }
  | { command: 'ops'; sub: 'audit'; filter?: string; sinceMs: number }
  | { command: 'ops'; sub: 'freeze'; env?: string }
  | { command: 'ops'; sub: 'cancel'; jobId: string };

export type DeployRequest =
  | {
      command: 'deploy';
      sub: 'run';
      service: string;
      version: string;
      env: string;
      strategy?: Strategy;
      reason?: string;
      dryRun: boolean;
      breakGlass?: string;
    }
  | { command: 'deploy'; sub: 'history'; service: string; env: string; limit: number };

export type RollbackRequest = {
  command: 'rollback';
  service: string;
  env: string;
  to?: { revision: number } | { version: string };
  reason?: string;
  breakGlass?: string;
};

export type BackupRequest =
  | { command: 'backup'; sub: 'run'; database: string; reason?: string }
  | { command: 'backup'; sub: 'list'; database: string; limit: number }
  | { command: 'backup'; sub: 'verify'; backupId: string; plan: boolean };

export type RestoreRequest = {
  command: 'restore';
  backupId: string;
  target: string;
  reason?: string;
  breakGlass?: string;
};

export type IncidentRequest =
  | { command: 'incident'; sub: 'declare'; severity?: Severity; title?: string; services: string[] }
  | { command: 'incident'; sub: 'note'; text: string }
  | { command: 'incident'; sub: 'sev'; severity: Severity }
  | { command: 'incident'; sub: 'resolve'; summary?: string }
  | { command: 'incident'; sub: 'reopen' | 'list' | 'timeline' };

export type CommandRequest =
  OpsRequest | DeployRequest | RollbackRequest | BackupRequest | RestoreRequest | IncidentRequest;

const DEFAULT_AUDIT_SINCE_MS = 7 * 86_400_000;
const DEFAULT_LIMIT = 10;

function read<T>(command: CommandName, schema: z.ZodType<T>, raw: string, what: string): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const message = result.error.issues[0]?.message ?? 'is not valid';
  throw usageError(command, `${what} \`${clip(raw)}\` ${message}.`, 'invalid_value');
}

function readFlag<T>(command: CommandName, args: Arguments, flag: string, schema: z.ZodType<T>): T | undefined {
  const raw = args.flags.get(flag);
  if (raw === undefined) return undefined;
  return read(command, schema, raw === true ? '' : raw, `--${flag}`);
}

function expectCount(
  command: CommandName,
  args: Arguments,
  from: number,
  min: number,
  max: number,
  missing: string,
): Token[] {
  const taken = args.positionals.slice(from);
  if (taken.length < min) throw usageError(command, missing, 'missing_argument');
  if (taken.length > max)
    throw usageError(command, `Unexpected \`${clip(taken[max]!.text)}\`: it is one word too many.`, 'extra_argument');
  return taken;
}

// "[to]" is optional sugar: "/deploy checkout 1.4.2 to production" and "… 1.4.2 production".
function dropTo(tokens: Token[], at: number): Token[] {
  const word = tokens[at];
  return word !== undefined && !word.quoted && word.text.toLowerCase() === 'to' && tokens.length > at + 1
    ? tokens.filter((_, index) => index !== at)
    : tokens;
}

function subcommandOf(args: Arguments): string | undefined {
  const first = args.positionals[0];
  return first && !first.quoted ? first.text.toLowerCase() : undefined;
}

function unknownSubcommand(command: CommandName, word: string, known: string[]): never {
  throw usageError(
    command,
    `\`${clip(word)}\` is not a /${command} subcommand (try ${known.join(', ')}).`,
    'unknown_subcommand',
  );
}

function parseOps(text: string): OpsRequest {
  const spec: FlagSpec = { since: 'value' };
  const args = parseArguments('ops', text, spec);
  const sub = subcommandOf(args);
  const only = (allowed: boolean) => {
    if (!allowed && args.flags.size > 0) throw usageError('ops', `\`/ops ${sub}\` takes no flags.`, 'unknown_flag');
  };
  switch (sub) {
    case undefined:
    case 'help': {
      only(false);
      const [topic] = expectCount('ops', args, 1, 0, 1, '');
      if (topic === undefined) return { command: 'ops', sub: 'help' };
      const name = topic.text.replace(/^\//, '').toLowerCase();
      if (!isCommandName(name))
        throw usageError(
          'ops',
          `There is no command \`${clip(topic.text)}\` to explain (try deploy, rollback, backup, restore, incident, ops).`,
          'unknown_topic',
        );
      return { command: 'ops', sub: 'help', topic: name };
    }
    case 'whoami':
      only(false);
      expectCount('ops', args, 1, 0, 0, '');
      return { command: 'ops', sub: 'whoami' };
    case 'status': {
      only(false);
      const [job] = expectCount('ops', args, 1, 0, 1, '');
      return job === undefined
        ? { command: 'ops', sub: 'status' }
        : { command: 'ops', sub: 'status', jobId: read('ops', jobIdValue, job.text, 'Job') };
    }
    case 'history': {
      only(false);
      const [service] = expectCount('ops', args, 1, 0, 1, '');
      return service === undefined
        ? { command: 'ops', sub: 'history' }
        : { command: 'ops', sub: 'history', service: read('ops', nameValue('service'), service.text, 'Service') };
    }
    case 'audit': {
      only(true);
      const [filter] = expectCount('ops', args, 1, 0, 1, '');
      const sinceMs = readFlag('ops', args, 'since', sinceValue) ?? DEFAULT_AUDIT_SINCE_MS;
      return filter === undefined
        ? { command: 'ops', sub: 'audit', sinceMs }
        : {
            command: 'ops',
            sub: 'audit',
            filter: read('ops', nameValue('service or environment'), filter.text, 'Filter'),
            sinceMs,
          };
    }
    case 'freeze': {
      only(false);
      const [env] = expectCount('ops', args, 1, 0, 1, '');
      return env === undefined
        ? { command: 'ops', sub: 'freeze' }
        : { command: 'ops', sub: 'freeze', env: read('ops', nameValue('environment'), env.text, 'Environment') };
    }
    case 'cancel': {
      only(false);
      const [job] = expectCount(
        'ops',
        args,
        1,
        1,
        1,
        'Which job? Give its id, e.g. `/ops cancel deploy-3f9a2c71d0e4b5a6` (`/ops status` lists yours).',
      );
      return { command: 'ops', sub: 'cancel', jobId: read('ops', jobIdValue, job!.text, 'Job') };
    }
    default:
      return unknownSubcommand('ops', sub, ['help', 'whoami', 'status', 'history', 'audit', 'freeze', 'cancel']);
  }
}

function parseDeploy(text: string): DeployRequest {
  const args = parseArguments('deploy', text, {
    strategy: 'value',
    reason: 'value',
    'dry-run': 'switch',
    'break-glass': 'value',
    limit: 'value',
  });
  if (subcommandOf(args) === 'history') {
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
  if (args.flags.has('limit')) throw usageError('deploy', '`--limit` only applies to /deploy history.', 'unknown_flag');
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

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function parseRollback(text: string): RollbackRequest {
  const args = parseArguments('rollback', text, { to: 'value', reason: 'value', 'break-glass': 'value' });
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
  };
}

function parseBackup(text: string): BackupRequest {
  const args = parseArguments('backup', text, { reason: 'value', limit: 'value', plan: 'switch' });
  const sub = subcommandOf(args);
  const allowFlags = (...names: string[]) => {
    for (const flag of args.flags.keys())
      if (!names.includes(flag)) throw usageError('backup', `\`--${flag}\` does not apply here.`, 'unknown_flag');
  };
  if (sub === 'list') {
    allowFlags('limit');
    const [database] = expectCount('backup', args, 1, 1, 1, 'Which database? e.g. `/backup list orders`.');
    return {
      command: 'backup',
      sub: 'list',
      database: read('backup', nameValue('database'), database!.text, 'Database'),
      limit: readFlag('backup', args, 'limit', limitValue) ?? DEFAULT_LIMIT,
    };
  }
  if (sub === 'verify') {
    allowFlags('plan');
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
  allowFlags('reason');
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

function parseRestore(text: string): RestoreRequest {
  const args = parseArguments('restore', text, { reason: 'value', 'break-glass': 'value' });
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
  };
}

// The longest incident title, from the command, the form or a button (details go in notes).
export const TITLE_MAX = 150;

function parseIncident(text: string): IncidentRequest {
  const args = parseArguments('incident', text, { service: 'value' });
  const sub = subcommandOf(args);
  if (sub !== 'declare' && args.flags.size > 0)
    throw usageError('incident', '`--service` only applies to /incident declare.', 'unknown_flag');
  switch (sub) {
    case 'declare': {
      if (args.positionals.length === 1 && args.flags.size === 0)
        return { command: 'incident', sub: 'declare', services: [] };
      const severity = args.positionals[1];
      if (severity === undefined)
        throw usageError(
          'incident',
          'Which severity? e.g. `/incident declare P1 "checkout errors"`.',
          'missing_argument',
        );
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
      const service = readFlag('incident', args, 'service', nameValue('service'));
      return {
        command: 'incident',
        sub: 'declare',
        severity: read('incident', severityValue, severity.text, 'Severity'),
        title,
        services: service === undefined ? [] : [service],
      };
    }
    case 'note': {
      const note = restOf(args, 1);
      if (note.length === 0)
        throw usageError(
          'incident',
          'What should the note say? e.g. `/incident note rolled back checkout`.',
          'missing_argument',
        );
      return { command: 'incident', sub: 'note', text: read('incident', reasonValue, note, 'The note') };
    }
    case 'sev':
    case 'severity': {
      const [severity] = expectCount('incident', args, 1, 1, 1, 'Which severity? e.g. `/incident sev P0`.');
      return { command: 'incident', sub: 'sev', severity: read('incident', severityValue, severity!.text, 'Severity') };
    }
    case 'resolve': {
      const summary = restOf(args, 1);
      return summary.length === 0
        ? { command: 'incident', sub: 'resolve' }
        : { command: 'incident', sub: 'resolve', summary: read('incident', reasonValue, summary, 'The summary') };
    }
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
      return unknownSubcommand('incident', sub, ['declare', 'note', 'sev', 'resolve', 'reopen', 'list', 'timeline']);
  }
}

function isCommandName(name: string): name is CommandName {
  return ['deploy', 'rollback', 'backup', 'restore', 'incident', 'ops'].includes(name);
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
