import type { Catalog, CatalogEnvironment, CatalogService } from './catalog.ts';
import { UserError } from './user-error.ts';

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

// "prodution" → "Did you mean production?": typos at 3 a.m. deserve a hint, never a guess acted on.
function suggestion(name: string, known: string[]): string {
  const close = known
    .filter((candidate) => distance(name, candidate) <= 2 || candidate.startsWith(name))
    .sort((a, b) => distance(name, a) - distance(name, b));
  return close[0] ? ` Did you mean \`${close[0]}\`?` : '';
}

export function environmentOf(catalog: Catalog, env: string): CatalogEnvironment {
  const found = catalog.environments[env];
  if (found) return found;
  const known = Object.keys(catalog.environments);
  throw new UserError(`There is no environment \`${env}\` in the catalog.${suggestion(env, known)}`, {
    hint: `Environments: ${known.join(', ')}.`,
    code: 'unknown_environment',
  });
}

export type ServiceTarget = { name: string; service: CatalogService; envName: string; env: CatalogEnvironment };

export function serviceTarget(catalog: Catalog, service: string, env: string): ServiceTarget {
  const found = catalog.services[service];
  if (!found) {
    const known = Object.keys(catalog.services);
    throw new UserError(`There is no service \`${service}\` in the catalog.${suggestion(service, known)}`, {
      hint: `Services: ${known.join(', ') || 'none'}. ops-bot only touches what the catalog names.`,
      code: 'unknown_service',
    });
  }
  const environment = environmentOf(catalog, env);
  if (!found.environments.includes(env)) {
    throw new UserError(
      `\`${service}\` is not deployed to \`${env}\` (it is deployed to ${found.environments.join(', ')}).`,
      { hint: 'The catalog lists the environments of each service.', code: 'service_not_in_env' },
    );
  }
  return { name: service, service: found, envName: env, env: environment };
}

export function deployLockKey(service: string, env: string): string {
  return `deploy:${service}:${env}`;
}

// Held for the seconds between a request and its plan job's outcome, so a double click or two people
// at once cannot plan two changes of one target side by side.
export function planningKey(service: string, env: string): string {
  return `planning:${service}:${env}`;
}

// One restore into a given new target at a time.
export function restoreLockKey(engine: string, target: string): string {
  return `restore:${engine}:${target}`;
}
