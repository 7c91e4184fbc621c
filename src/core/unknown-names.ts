import { didYouMean } from './suggest.ts';
import { UserError } from './user-error.ts';

// The refusals for a word that names nothing in the catalog. The grammar (on a slash command), the
// handlers (on buttons and forms) and the jobs all build them here, so a typo reads the same everywhere.

function listOf(names: readonly string[]): string {
  return names.join(', ') || 'none';
}

export function unknownService(name: string, known: readonly string[], after = ''): UserError {
  return new UserError(`There is no service \`${name}\` in the catalog${after}.${didYouMean(name, known)}`, {
    hint: `Services: ${listOf(known)}. ops-bot only touches what the catalog names.`,
    code: 'unknown_service',
  });
}

export function unknownEnvironment(name: string, known: readonly string[]): UserError {
  return new UserError(`There is no environment \`${name}\` in the catalog.${didYouMean(name, known)}`, {
    hint: `Environments: ${listOf(known)}.`,
    code: 'unknown_environment',
  });
}

export function unknownDatabase(name: string, known: readonly string[]): UserError {
  return new UserError(`There is no database \`${name}\` in the catalog.${didYouMean(name, known)}`, {
    hint: `Databases: ${listOf(known)}. ops-bot only touches what the catalog names.`,
    code: 'unknown_database',
  });
}

export function unknownScope(
  scope: string,
  services: readonly string[],
  environments: readonly string[],
  usage: string,
): UserError {
  const suggestion = didYouMean(scope, [...services, ...environments]);
  return new UserError(`There is no service or environment \`${scope}\` in the catalog.${suggestion}`, {
    hint: `Services: ${listOf(services)}. Environments: ${listOf(environments)}. Usage: \`${usage}\`.`,
    code: 'unknown_scope',
  });
}
