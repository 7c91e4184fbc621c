import { didYouMean } from '../suggest.ts';
import { clip, parseArguments, usageError, type Arguments } from './arguments.ts';
import { expectCount, read, readFlag, subcommandOf, unknownSubcommand } from './reading.ts';
import type { OpsRequest } from './requests.ts';
import type { Token } from './tokenize.ts';
import { COMMAND_NAMES, isCommandName } from './usage.ts';
import { catalogNameValue, jobIdValue, ledgerSinceValue, podNameValue, sinceValue, tailValue } from './values.ts';

const DEFAULT_AUDIT_SINCE_MS = 7 * 86_400_000;
const DEFAULT_HISTORY_SINCE_MS = 86_400_000;
const DEFAULT_STATS_SINCE_MS = 30 * 86_400_000;
// The ledger keeps everything, but an answer in a Slack message is for the recent past.
const MAX_LEDGER_SINCE_MS = 90 * 86_400_000;

// Logs are for the last moments before a question, not an archive: a day at most, 100 lines unless asked.
const MAX_LOGS_SINCE_MS = 86_400_000;
const DEFAULT_LOG_TAIL = 100;

const OPS_SUBCOMMANDS = [
  'help',
  'whoami',
  'status',
  'history',
  'stats',
  'audit',
  'freeze',
  'cancel',
  'pods',
  'events',
  'logs',
];

function noFlags(args: Arguments, sub: string | undefined, allowed: string[] = []): void {
  const given = [...args.flags.keys()].filter((flag) => !allowed.includes(flag));
  if (given.length === 0) return;
  const takes = allowed.length > 0 ? `only ${allowed.map((flag) => `\`--${flag}\``).join(', ')}` : 'no flags';
  throw usageError('ops', `\`/ops ${sub}\` takes ${takes}.`, 'unknown_flag');
}

function optionalWord(args: Arguments): Token | undefined {
  const [word] = expectCount('ops', args, 1, 0, 1, '');
  return word;
}

function opsHelp(args: Arguments): OpsRequest {
  const topic = optionalWord(args);
  if (topic === undefined) return { command: 'ops', sub: 'help' };
  const name = topic.text.replace(/^\//, '').toLowerCase();
  if (!isCommandName(name)) {
    const suggestion = didYouMean(name, COMMAND_NAMES);
    const others = suggestion === '' ? ' (try deploy, rollback, backup, restore, incident, ops)' : '';
    throw usageError(
      'ops',
      `There is no command \`${clip(topic.text)}\` to explain${others}.${suggestion}`,
      'unknown_topic',
    );
  }
  return { command: 'ops', sub: 'help', topic: name };
}

function opsStatus(args: Arguments): OpsRequest {
  const job = optionalWord(args);
  return job === undefined
    ? { command: 'ops', sub: 'status' }
    : { command: 'ops', sub: 'status', jobId: read('ops', jobIdValue, job.text, 'Job') };
}

// The one word is a service or an environment; which one (or neither) is for the catalog to say.
function ledgerRead(args: Arguments, sub: 'history' | 'stats', defaultSinceMs: number): OpsRequest {
  const scope = optionalWord(args);
  const sinceMs = readFlag('ops', args, 'since', ledgerSinceValue) ?? defaultSinceMs;
  if (sinceMs > MAX_LEDGER_SINCE_MS)
    throw usageError('ops', `\`/ops ${sub} --since\` goes back at most 90d.`, 'invalid_value');
  if (scope === undefined) return { command: 'ops', sub, sinceMs };
  const named = read('ops', catalogNameValue('service or environment'), scope.text, 'Scope');
  return { command: 'ops', sub, scope: named, sinceMs };
}

function opsAudit(args: Arguments): OpsRequest {
  const filter = optionalWord(args);
  const sinceMs = readFlag('ops', args, 'since', sinceValue) ?? DEFAULT_AUDIT_SINCE_MS;
  if (filter === undefined) return { command: 'ops', sub: 'audit', sinceMs };
  const named = read('ops', catalogNameValue('service or environment'), filter.text, 'Filter');
  return { command: 'ops', sub: 'audit', filter: named, sinceMs };
}

function opsFreeze(args: Arguments): OpsRequest {
  const env = optionalWord(args);
  return env === undefined
    ? { command: 'ops', sub: 'freeze' }
    : { command: 'ops', sub: 'freeze', env: read('ops', catalogNameValue('environment'), env.text, 'Environment') };
}

function opsCancel(args: Arguments): OpsRequest {
  const [job] = expectCount(
    'ops',
    args,
    1,
    1,
    1,
    'Which job? Give its id, e.g. `/ops cancel deploy-3f9a2c71d0e4b5a6` (`/ops status` lists yours).',
  );
  const jobId = read('ops', jobIdValue, job!.text, 'Job');
  return { command: 'ops', sub: 'cancel', jobId, leave: args.flags.has('leave') };
}

// pods, events and logs all look at one service in one environment.
function lookupTarget(args: Arguments, sub: 'pods' | 'events' | 'logs'): { service: string; env: string } {
  const [service, env] = expectCount(
    'ops',
    args,
    1,
    2,
    2,
    `Which service and environment? e.g. \`/ops ${sub} checkout production\`.`,
  );
  return {
    service: read('ops', catalogNameValue('service'), service!.text, 'Service'),
    env: read('ops', catalogNameValue('environment'), env!.text, 'Environment'),
  };
}

function opsLogs(args: Arguments): OpsRequest {
  const target = lookupTarget(args, 'logs');
  const sinceMs = readFlag('ops', args, 'since', sinceValue);
  if (sinceMs !== undefined && sinceMs > MAX_LOGS_SINCE_MS)
    throw usageError('ops', '`/ops logs --since` goes back at most 24h.', 'invalid_value');
  const pod = readFlag('ops', args, 'pod', podNameValue);
  const tail = readFlag('ops', args, 'tail', tailValue) ?? DEFAULT_LOG_TAIL;
  return {
    command: 'ops',
    sub: 'logs',
    ...target,
    ...(pod === undefined ? {} : { pod }),
    ...(sinceMs === undefined ? {} : { sinceMs }),
    tail,
  };
}

export function parseOps(text: string): OpsRequest {
  const args = parseArguments('ops', text, { since: 'value', leave: 'switch', pod: 'value', tail: 'value' });
  const sub = subcommandOf(args);
  switch (sub) {
    case undefined:
    case 'help':
      noFlags(args, sub);
      return opsHelp(args);
    case 'whoami':
      noFlags(args, sub);
      expectCount('ops', args, 1, 0, 0, '');
      return { command: 'ops', sub: 'whoami' };
    case 'status':
      noFlags(args, sub);
      return opsStatus(args);
    case 'history':
      noFlags(args, sub, ['since']);
      return ledgerRead(args, sub, DEFAULT_HISTORY_SINCE_MS);
    case 'stats':
      noFlags(args, sub, ['since']);
      return ledgerRead(args, sub, DEFAULT_STATS_SINCE_MS);
    case 'audit':
      noFlags(args, sub, ['since']);
      return opsAudit(args);
    case 'freeze':
      noFlags(args, sub);
      return opsFreeze(args);
    case 'cancel':
      noFlags(args, sub, ['leave']);
      return opsCancel(args);
    case 'pods':
    case 'events':
      noFlags(args, sub);
      return { command: 'ops', sub, ...lookupTarget(args, sub) };
    case 'logs':
      noFlags(args, sub, ['pod', 'since', 'tail']);
      return opsLogs(args);
    default:
      return unknownSubcommand('ops', sub, OPS_SUBCOMMANDS);
  }
}
