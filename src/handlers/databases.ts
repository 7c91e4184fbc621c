import type { CatalogDatabase } from '../core/catalog.ts';
import { UserError } from '../core/user-error.ts';
import type { HandlerDeps } from './deps.ts';

export function catalogDatabase(deps: HandlerDeps, name: string): CatalogDatabase {
  const database = deps.catalog.databases[name];
  if (database) return database;
  const known = Object.keys(deps.catalog.databases).join(', ') || 'none';
  throw new UserError(`There is no database \`${name}\` in the catalog.`, {
    hint: `Databases: ${known}. ops-bot only touches what the catalog names.`,
    code: 'unknown_database',
  });
}
