import type { Catalog, CatalogEnvironment, CatalogService } from './catalog.ts';
import { unknownEnvironment, unknownService } from './unknown-names.ts';
import { UserError } from './user-error.ts';

export function environmentOf(catalog: Catalog, env: string): CatalogEnvironment {
  const found = catalog.environments[env];
  if (found) return found;
  throw unknownEnvironment(env, Object.keys(catalog.environments));
}

export type ServiceTarget = { name: string; service: CatalogService; envName: string; env: CatalogEnvironment };

export function serviceTarget(catalog: Catalog, service: string, env: string): ServiceTarget {
  const found = catalog.services[service];
  if (!found) throw unknownService(service, Object.keys(catalog.services));
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
