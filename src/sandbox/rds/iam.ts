import { z } from 'zod';
import { tagsOf, type Params } from './actions.ts';
import type { RdsState, Tags } from './state.ts';

// Opt-in IAM for the simulator: an identity-based policy evaluated for every call as AWS does it for
// the parts ops-bot's policy uses — Action and Resource with * and ? wildcards, StringEquals on
// aws:RequestTag/… and aws:ResourceTag/…, explicit Deny over Allow, and anything not allowed denied.
// Every resource a call names is authorized, and tags given on create are authorized as
// rds:AddTagsToResource on the new resource, as RDS does. Allowed checks are recorded per statement.
const list = z.union([z.string(), z.array(z.string())]).transform((value) => (Array.isArray(value) ? value : [value]));
const statementSchema = z.object({
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Action: list,
  Resource: list,
  Condition: z
    .object({ StringEquals: z.record(z.string(), list) })
    .strict()
    .optional(),
});
export const policySchema = z.object({ Version: z.literal('2012-10-17'), Statement: z.array(statementSchema) });
type Statement = z.output<typeof statementSchema>;
export type Grant = { sid: string; action: string };
type Check = { action: string; arn: string };

function glob(pattern: string, value: string, caseless: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, caseless ? 'i' : '').test(value);
}

// The ARNs a call names (its sources, targets and subnet group), by the parameters the SDK sends.
const NAMED: Record<string, [kind: string, param: string][]> = {
  CreateDBSnapshot: [
    ['db', 'DBInstanceIdentifier'],
    ['snapshot', 'DBSnapshotIdentifier'],
  ],
  CreateDBClusterSnapshot: [
    ['cluster', 'DBClusterIdentifier'],
    ['cluster-snapshot', 'DBClusterSnapshotIdentifier'],
  ],
  DescribeDBSnapshots: [['snapshot', 'DBSnapshotIdentifier']],
  DescribeDBClusterSnapshots: [['cluster-snapshot', 'DBClusterSnapshotIdentifier']],
  DescribeDBInstances: [['db', 'DBInstanceIdentifier']],
  DescribeDBClusters: [['cluster', 'DBClusterIdentifier']],
  RestoreDBInstanceFromDBSnapshot: [
    ['db', 'DBInstanceIdentifier'],
    ['snapshot', 'DBSnapshotIdentifier'],
  ],
  RestoreDBClusterFromSnapshot: [
    ['cluster', 'DBClusterIdentifier'],
    ['cluster-snapshot', 'SnapshotIdentifier'],
  ],
  DeleteDBSnapshot: [['snapshot', 'DBSnapshotIdentifier']],
  DeleteDBClusterSnapshot: [['cluster-snapshot', 'DBClusterSnapshotIdentifier']],
  DeleteDBInstance: [['db', 'DBInstanceIdentifier']],
  DeleteDBCluster: [['cluster', 'DBClusterIdentifier']],
};
const CREATES: Record<string, number> = {
  CreateDBSnapshot: 1,
  CreateDBClusterSnapshot: 1,
  RestoreDBInstanceFromDBSnapshot: 0,
  RestoreDBClusterFromSnapshot: 0,
};

export class IamAuthorizer {
  readonly principal: string;
  readonly used = new Map<string, Grant>();
  readonly #statements: Statement[];

  constructor(policy: unknown, principal: string) {
    this.#statements = policySchema.parse(policy).Statement;
    this.principal = principal;
  }

  // undefined when allowed; else the AccessDenied message AWS gives.
  refusal(action: string, params: Params, state: RdsState): string | undefined {
    const requestTags = tagsOf(params);
    for (const check of checksOf(action, params, state, requestTags)) {
      const resourceTags = state.resourceByArn(check.arn)?.tags;
      const matching = (effect: 'Allow' | 'Deny') =>
        this.#statements.find(
          (statement) => statement.Effect === effect && this.#matches(statement, check, requestTags, resourceTags),
        );
      const denied = matching('Deny');
      const allowed = matching('Allow');
      const action = `rds:${check.action}`;
      if (denied || !allowed) {
        const why = denied
          ? 'with an explicit deny in an identity-based policy'
          : `because no identity-based policy allows the ${action} action`;
        return `User: ${this.principal} is not authorized to perform: ${action} on resource: ${check.arn} ${why}`;
      }
      const grant = { sid: allowed.Sid ?? '', action };
      this.used.set(`${grant.sid} ${grant.action}`, grant);
    }
    return undefined;
  }

  #matches(statement: Statement, check: Check, requestTags: Tags, resourceTags: Tags | undefined): boolean {
    if (!statement.Action.some((pattern) => glob(pattern, `rds:${check.action}`, true))) return false;
    if (!statement.Resource.some((pattern) => glob(pattern, check.arn, false))) return false;
    return Object.entries(statement.Condition?.StringEquals ?? {}).every(([key, values]) => {
      const tag = /^aws:(RequestTag|ResourceTag)\/(.+)$/.exec(key);
      if (!tag) return false; // a condition key this simulator does not know never matches
      const tags = tag[1] === 'RequestTag' ? requestTags : (resourceTags ?? []);
      const value = tags.find((entry) => entry.Key === tag[2])?.Value;
      return value !== undefined && values.includes(value);
    });
  }
}

function checksOf(action: string, params: Params, state: RdsState, tags: Tags): Check[] {
  const arn = (kind: string, id: string) => state.arn(kind as Parameters<RdsState['arn']>[0], id.toLowerCase());
  const named = (NAMED[action] ?? [])
    .filter(([, param]) => params[param])
    .map(([kind, param]) => ({
      action,
      arn: arn(kind, params[param]!),
    }));
  // A call that names nothing (a describe of all, or by a filter) is on every resource of its kind.
  const first = NAMED[action]?.[0];
  const checks = named.length > 0 ? named : [{ action, arn: first ? arn(first[0], '*') : '*' }];
  if (params.DBSubnetGroupName) checks.push({ action, arn: arn('subgrp', params.DBSubnetGroupName) });
  const created = CREATES[action];
  if (created !== undefined && tags.length > 0 && named[created])
    checks.push({ action: 'AddTagsToResource', arn: named[created].arn });
  return checks;
}
