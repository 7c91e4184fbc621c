import { closestWord } from '../suggest.ts';
import { unknownDatabase } from '../unknown-names.ts';
import { parseArguments, usageError, type Arguments } from './arguments.ts';
import { mistypedSubcommand, type Vocabulary } from './catalog-words.ts';
import { DEFAULT_LIMIT, expectCount, optional, read, readFlag, subcommandOf, unknownSubcommand } from './reading.ts';
import type { BackupRequest } from './requests.ts';
import { backupIdValue, catalogNameValue, limitValue, reasonValue } from './values.ts';

const BACKUP_SUBCOMMANDS = ['list', 'verify'];

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
    database: read('backup', catalogNameValue('database'), database!.text, 'Database'),
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
    database: read('backup', catalogNameValue('database'), database!.text, 'Database'),
    ...optional('reason', readFlag('backup', args, 'reason', reasonValue)),
  };
}

// `/backup lsit orders` is a mistyped `list`, and the refusal names `lsit`, not `orders`. Two words
// where `/backup <database>` takes one: the first is blamed, as a subcommand unless it is (close to)
// a database of the catalog.
function refuseFirstWord(args: Arguments, words: Vocabulary | undefined): void {
  const first = args.positionals[0];
  if (first === undefined || first.quoted) return;
  if (mistypedSubcommand(first, BACKUP_SUBCOMMANDS, words?.databases) !== undefined)
    unknownSubcommand('backup', first.text, BACKUP_SUBCOMMANDS);
  const typed = first.text.toLowerCase();
  if (words === undefined || args.positionals.length < 2 || words.databases.includes(typed)) return;
  if (closestWord(typed, words.databases) === undefined) unknownSubcommand('backup', first.text, BACKUP_SUBCOMMANDS);
  throw unknownDatabase(typed, words.databases);
}

export function parseBackup(text: string, words?: Vocabulary): BackupRequest {
  const args = parseArguments('backup', text, { reason: 'value', limit: 'value', plan: 'switch' });
  const sub = subcommandOf(args);
  if (sub === 'list') return backupList(args);
  if (sub === 'verify') return backupVerify(args);
  refuseFirstWord(args, words);
  return backupRun(args);
}
