import type { Catalog } from '../catalog.ts';
import { closestWord } from '../suggest.ts';
import { unknownDatabase, unknownEnvironment, unknownScope, unknownService } from '../unknown-names.ts';
import type { CommandRequest } from './requests.ts';
import type { Token } from './tokenize.ts';
import { USAGE } from './usage.ts';

// The names a slash command may use, from the catalog. With them the grammar tells a mistyped
// subcommand from a name ("histroy" is no service, but it is close to `history`) and names the
// word that is wrong before any handler runs.
export type Vocabulary = {
  services: readonly string[];
  environments: readonly string[];
  databases: readonly string[];
};

export function vocabularyOf(catalog: Catalog): Vocabulary {
  return {
    services: Object.keys(catalog.services),
    environments: Object.keys(catalog.environments),
    databases: Object.keys(catalog.databases),
  };
}

// The subcommand a word in a subcommand's place was likely meant to be: close to one, and neither
// a name of the kind that could stand there nor close to one (then the name's own refusal says more).
export function mistypedSubcommand(
  word: Token | undefined,
  subcommands: string[],
  names: readonly string[] = [],
): string | undefined {
  if (word === undefined || word.quoted) return undefined;
  const typed = word.text.toLowerCase();
  if (subcommands.includes(typed) || names.includes(typed)) return undefined;
  const near = closestWord(typed, subcommands);
  return near !== undefined && closestWord(typed, names) === undefined ? near : undefined;
}

function checkService(words: Vocabulary, service: string): void {
  if (!words.services.includes(service)) throw unknownService(service, words.services);
}

function checkEnvironment(words: Vocabulary, env: string): void {
  if (!words.environments.includes(env)) throw unknownEnvironment(env, words.environments);
}

function checkScope(words: Vocabulary, scope: string, sub: 'history' | 'stats'): void {
  if (words.services.includes(scope) || words.environments.includes(scope)) return;
  const usage = USAGE.ops.find((line) => line.syntax.startsWith(`/ops ${sub} `))?.syntax ?? `/ops ${sub}`;
  throw unknownScope(scope, words.services, words.environments, usage);
}

// Refuses the first word of a parsed request that names nothing in the catalog, in the order the
// words were typed. Handlers check again (buttons and forms do not come through here).
export function checkCatalogWords(request: CommandRequest, words: Vocabulary): void {
  switch (request.command) {
    case 'deploy':
    case 'rollback':
      checkService(words, request.service);
      checkEnvironment(words, request.env);
      return;
    case 'backup':
      if (request.sub !== 'verify' && !words.databases.includes(request.database))
        throw unknownDatabase(request.database, words.databases);
      return;
    case 'incident':
      for (const service of request.sub === 'declare' ? request.services : [])
        if (!words.services.includes(service)) throw unknownService(service, words.services, '; nothing was declared');
      return;
    case 'ops':
      if ((request.sub === 'history' || request.sub === 'stats') && request.scope !== undefined)
        checkScope(words, request.scope, request.sub);
      if (request.sub === 'freeze' && request.env !== undefined) checkEnvironment(words, request.env);
      if (request.sub === 'pods' || request.sub === 'events' || request.sub === 'logs') {
        checkService(words, request.service);
        checkEnvironment(words, request.env);
      }
      return;
    default:
      return;
  }
}
