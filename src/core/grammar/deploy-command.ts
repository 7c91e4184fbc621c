import { z } from 'zod';
import { closestWord } from '../suggest.ts';
import { clip, parseArguments, usageError, type Arguments } from './arguments.ts';
import { mistypedSubcommand, type Vocabulary } from './catalog-words.ts';
import {
  DEFAULT_LIMIT,
  dropTo,
  expectCount,
  optional,
  read,
  readFlag,
  subcommandOf,
  unknownSubcommand,
} from './reading.ts';
import type { DeployRequest } from './requests.ts';
import type { Token } from './tokenize.ts';
import { catalogNameValue, limitValue, reasonValue, versionValue } from './values.ts';

const DEPLOY_SUBCOMMANDS = ['history'];

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
    service: read('deploy', catalogNameValue('service'), service!.text, 'Service'),
    env: read('deploy', catalogNameValue('environment'), env!.text, 'Environment'),
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
    service: read('deploy', catalogNameValue('service'), service.text, 'Service'),
    version: read('deploy', versionValue, version.text, 'Version'),
    env: read('deploy', catalogNameValue('environment'), env.text, 'Environment'),
    ...optional('strategy', readFlag('deploy', args, 'strategy', strategyValue)),
    ...optional('reason', readFlag('deploy', args, 'reason', reasonValue)),
    ...optional('breakGlass', readFlag('deploy', args, 'break-glass', reasonValue)),
    dryRun: args.flags.has('dry-run'),
  };
}

// "/deploy histroy checkout staging" reads as a deploy of version `checkout` of a service `histroy`;
// the word is close to `history`, is no service, and the rest fits history's shape (or fits no
// deploy at all), so it is the subcommand that was mistyped.
function mistypedHistory(args: Arguments, words: Vocabulary | undefined): boolean {
  if (mistypedSubcommand(args.positionals[0], DEPLOY_SUBCOMMANDS, words?.services) === undefined) return false;
  const fitsHistory = args.positionals.length === 3 && [...args.flags.keys()].every((flag) => flag === 'limit');
  const fitsRun = dropTo(args.positionals, 2).length === 3;
  return fitsHistory || !fitsRun;
}

export function parseDeploy(text: string, words?: Vocabulary): DeployRequest {
  const args = parseArguments('deploy', text, {
    strategy: 'value',
    reason: 'value',
    'dry-run': 'switch',
    'break-glass': 'value',
    limit: 'value',
  });
  if (subcommandOf(args) === 'history') return deployHistory(args);
  if (mistypedHistory(args, words)) unknownSubcommand('deploy', args.positionals[0]!.text, DEPLOY_SUBCOMMANDS);
  return deployRun(args);
}

function missingDeployPart(given: number): string {
  return [
    'What should be deployed? e.g. `/deploy checkout 1.4.2 to staging`.',
    'Which version? e.g. `/deploy checkout 1.4.2 to staging`.',
    'To which environment? e.g. `/deploy checkout 1.4.2 to staging`.',
  ][given]!;
}

const STRATEGIES = ['rolling', 'bluegreen', 'canary'] as const;

const strategyValue = z.string().transform((text, context) => {
  const strategy = STRATEGIES.find((known) => known === text.toLowerCase());
  if (strategy !== undefined) return strategy;
  const close = closestWord(text, STRATEGIES);
  const guess = close === undefined ? '' : ` (did you mean \`${close}\`?)`;
  context.addIssue({ code: 'custom', message: `is not a strategy: use rolling, bluegreen or canary${guess}` });
  return z.NEVER;
});
