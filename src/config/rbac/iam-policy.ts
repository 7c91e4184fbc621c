import type { Catalog, CatalogDatabase } from '../../core/catalog.ts';

// The IAM policy for the catalog's RDS databases: one statement per action src/adapters/rds.ts calls,
// each on the ARNs that action touches. See docs/decisions/0026 for what cannot be narrowed and why.
export type PolicyStatement = {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: { StringEquals: Record<string, string> };
};
export type PolicyDocument = { Version: '2012-10-17'; Statement: PolicyStatement[] };

// Shown in the ARNs when no --account is given: IAM refuses the policy until it is replaced.
export const ACCOUNT_PLACEHOLDER = 'ACCOUNT_ID';
// The tag ops-bot puts on every snapshot, restore and verify copy it creates (jobs/backup, processors/restore).
export const CREATED_BY = { key: 'created-by', value: 'ops-bot' };
// Temporary verify copies: core/backup-id.ts scratchName.
const SCRATCH_PREFIX = 'opsbot-verify-';
// backupId's `-<yyyymmdd-hhmmss>-<6 hex>` after the (possibly shortened) database name.
const BACKUP_SUFFIX_LENGTH = 23;

type Rds = Extract<CatalogDatabase, { engine: 'rds-instance' | 'rds-cluster' }> & { name: string };

const requestTag = { StringEquals: { [`aws:RequestTag/${CREATED_BY.key}`]: CREATED_BY.value } };
const resourceTag = { StringEquals: { [`aws:ResourceTag/${CREATED_BY.key}`]: CREATED_BY.value } };

// The snapshots ops-bot names for a database (core/backup-id.ts): `<name>-…`, the name cut so the
// whole id fits 255 characters (instance snapshots) or 63 (cluster snapshots).
function snapshotPattern(database: Rds): string {
  const max = database.engine === 'rds-instance' ? 255 : 63;
  const base = database.name
    .replace(/-+/g, '-')
    .slice(0, max - BACKUP_SUFFIX_LENGTH)
    .replace(/-$/, '');
  return `${base}-*`;
}

type Arns = {
  arn: (database: Rds, kind: string, id: string) => string;
  each: (list: Rds[], kind: string, id: (database: Rds) => string) => string[];
};

function arnsFor(account: string): Arns {
  const arn = (database: Rds, kind: string, id: string) => `arn:aws:rds:${database.region}:${account}:${kind}:${id}`;
  const each = (list: Rds[], kind: string, id: (database: Rds) => string) => [
    ...new Set(list.map((database) => arn(database, kind, id(database)))),
  ];
  return { arn, each };
}

const statement = (Sid: string, Resource: string[], Condition?: PolicyStatement['Condition']): PolicyStatement => ({
  Sid,
  Effect: 'Allow',
  Action: [`rds:${Sid}`],
  Resource: [...new Set(Resource)].sort(),
  ...(Condition ? { Condition } : {}),
});

// A restore is authorized on every resource it uses, also those it only defaults to (AWS's Service Authorization
// Reference lists og, subgrp and pg or cluster-pg for the restore actions): the catalog's subnet group or the region's
// `default`, and whichever option and parameter groups the snapshot's engine defaults to, which the catalog
// does not name. Using a group is all these allow; nothing here can change one.
function restoreGroups(list: Rds[], arns: Arns): string[] {
  return list.flatMap((database) => [
    arns.arn(database, 'subgrp', database.subnetGroup ?? 'default'),
    arns.arn(database, 'og', '*'),
    arns.arn(database, database.engine === 'rds-cluster' ? 'cluster-pg' : 'pg', '*'),
  ]);
}

// Instances (snapshot, db) and clusters (cluster-snapshot, cluster) get the same statements.
// `tagged`: what these create with tags (new snapshots, restored and verify copies).
function statementsFor(
  list: Rds[],
  arns: Arns,
  kind: 'instance' | 'cluster',
): { statements: PolicyStatement[]; tagged: string[] } {
  if (list.length === 0) return { statements: [], tagged: [] };
  const [source, snap, cap] =
    kind === 'instance' ? ['db', 'snapshot', 'DB'] : ['cluster', 'cluster-snapshot', 'DBCluster'];
  const snapshots = arns.each(list, snap, snapshotPattern);
  // Restore targets are named by whoever asks (/restore … into <name>): only the tag can bound them.
  const anyTarget = arns.each(list, source, () => '*');
  const restore = kind === 'instance' ? 'RestoreDBInstanceFromDBSnapshot' : 'RestoreDBClusterFromSnapshot';
  const verified = list.filter((database) => database.verify.allowed);
  const result = [
    statement(
      `Create${cap}Snapshot`,
      [...arns.each(list, source, (database) => database.identifier), ...snapshots],
      requestTag,
    ),
    // Describing by source (retention) names no snapshot, so it is allowed on all of this kind.
    statement(
      `Describe${cap}Snapshots`,
      arns.each(list, snap, () => '*'),
    ),
    statement(kind === 'instance' ? 'DescribeDBInstances' : 'DescribeDBClusters', anyTarget),
    statement(restore, [...anyTarget, ...snapshots, ...restoreGroups(list, arns)], requestTag),
    statement(`Delete${cap}Snapshot`, snapshots, resourceTag),
  ];
  if (verified.length > 0)
    result.push(
      statement(
        kind === 'instance' ? 'DeleteDBInstance' : 'DeleteDBCluster',
        arns.each(verified, source, () => `${SCRATCH_PREFIX}*`),
        resourceTag,
      ),
    );
  return { statements: result, tagged: [...snapshots, ...anyTarget] };
}

export function iamPolicy(catalog: Catalog, account = ACCOUNT_PLACEHOLDER): PolicyDocument | undefined {
  const rds = Object.entries(catalog.databases)
    .filter(
      (entry): entry is [string, Extract<CatalogDatabase, { engine: 'rds-instance' | 'rds-cluster' }>] =>
        entry[1].engine !== 'postgres',
    )
    .map(([name, database]) => ({ ...database, name }))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (rds.length === 0) return undefined;
  const arns = arnsFor(account);
  const instances = rds.filter((database) => database.engine === 'rds-instance');
  const clusters = rds.filter((database) => database.engine === 'rds-cluster');
  const parts = [statementsFor(instances, arns, 'instance'), statementsFor(clusters, arns, 'cluster')];
  // Tags given on create are authorized as rds:AddTagsToResource on the new resource (AWS: "Grant
  // permission to tag Amazon RDS resources during creation"), only with created-by=ops-bot among them.
  const tagged = parts.flatMap((part) => part.tagged);
  return {
    Version: '2012-10-17',
    Statement: [...parts.flatMap((part) => part.statements), statement('AddTagsToResource', tagged, requestTag)],
  };
}
