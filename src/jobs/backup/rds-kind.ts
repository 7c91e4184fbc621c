import type { CatalogDatabase } from '../../core/catalog.ts';

export type RdsDatabase = Extract<CatalogDatabase, { engine: 'rds-instance' | 'rds-cluster' }>;

// What the RDS resource is called in messages: Aurora has clusters, plain RDS instances.
export function rdsKind(engine: RdsDatabase['engine']): 'cluster' | 'instance' {
  return engine === 'rds-cluster' ? 'cluster' : 'instance';
}
