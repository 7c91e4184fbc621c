import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseCatalog } from '../../src/config/catalog-load.ts';
import { parseAccount, parseServiceAccount, parseSubject, rbacFiles } from '../../src/config/rbac/files.ts';
import { iamPolicy } from '../../src/config/rbac/iam-policy.ts';
import { kubeObjects } from '../../src/config/rbac/kube-objects.ts';
import { rulesByContext } from '../../src/config/rbac/kube-role.ts';
import { RbacAuthorizer } from '../../src/sandbox/kube/authorize.ts';
import { targetOf } from '../../src/sandbox/kube/routes.ts';
import { IamAuthorizer } from '../../src/sandbox/rds/iam.ts';
import { RdsState } from '../../src/sandbox/rds/state.ts';

const catalog = (services: string, databases = '') =>
  parseCatalog(
    'test',
    `environments:
  staging: { context: staging }
  production: { context: prod }
services:
${services}
${databases ? `databases:\n${databases}` : ''}`,
  );

const ROLLING = `  checkout: { namespace: shop, deployment: checkout, container: app, image: r.example/c, environments: [staging, production] }
  ledger: { namespace: money, deployment: ledger, container: app, image: r.example/l, environments: [staging] }`;

describe('Roles from the catalog', () => {
  it('gives a rolling-only namespace reads, patch on its Deployments by name, pod logs, and no create, delete or services', () => {
    const byContext = rulesByContext(catalog(ROLLING));
    expect(byContext.get('staging')!.map((entry) => entry.namespace)).toEqual(['money', 'shop']);
    expect(byContext.get('prod')!.map((entry) => entry.namespace)).toEqual(['shop']);
    expect(byContext.get('prod')![0]!.rules).toEqual([
      {
        apiGroups: ['apps'],
        resources: ['deployments'],
        verbs: ['get', 'patch', 'watch'],
        resourceNames: ['checkout'],
      },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list'] },
      // /ops logs: pod names are generated, so no resourceNames can narrow it.
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    ]);
    expect(byContext.get('prod')![0]!.rules.find((rule) => rule.resources.includes('pods/log'))).not.toHaveProperty(
      'resourceNames',
    );
  });

  it('adds create for blue-green and canary, delete of the canary only, and the blue-green Service', () => {
    const rules = rulesByContext(
      catalog(`  web: { namespace: shop, deployment: web, container: w, image: r.example/w, strategy: bluegreen, service: front, environments: [staging] }
  api: { namespace: shop, deployment: api, container: a, image: r.example/a, strategy: canary, environments: [staging] }`),
    ).get('staging')![0]!.rules;
    expect(rules[0]!.resourceNames).toEqual(['api', 'api-canary', 'web', 'web-blue', 'web-green']);
    expect(rules).toContainEqual({ apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] });
    expect(rules).toContainEqual({
      apiGroups: ['apps'],
      resources: ['deployments'],
      verbs: ['delete'],
      resourceNames: ['api-canary'],
    });
    expect(rules).toContainEqual({
      apiGroups: [''],
      resources: ['services'],
      verbs: ['get', 'patch'],
      resourceNames: ['front'],
    });
  });

  it('binds a ServiceAccount, or a User or Group with its API group; a context with no services gets no Role', () => {
    const objects = kubeObjects(catalog(ROLLING), parseSubject('User:ops-bot'));
    expect(objects.get('prod')!.find((object) => object.kind === 'RoleBinding')).toMatchObject({
      subjects: [{ kind: 'User', name: 'ops-bot', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    expect(parseServiceAccount('tools/bot')).toEqual({ kind: 'ServiceAccount', namespace: 'tools', name: 'bot' });
    const empty = parseCatalog('t', 'environments:\n  dev: { context: dev }\n');
    expect(rbacFiles(empty, { subject: parseSubject('Group:ops'), source: 't' }).get('dev.yaml')).toContain(
      'no Role is needed',
    );
  });

  it('refuses a malformed subject or account with a message naming the flag', () => {
    expect(() => parseSubject('Robot:x')).toThrow('--subject: expected User:<name>');
    expect(() => parseServiceAccount('ops-bot')).toThrow('--service-account: expected namespace/name');
    expect(() => parseAccount('12')).toThrow('--account: expected a 12-digit AWS account id');
  });
});

const DATABASES = `  orders: { engine: rds-instance, identifier: orders-prod, region: eu-central-1, environment: staging }
  ledger: { engine: postgres, url: "env:LEDGER_URL", dir: /var/backups/ledger, environment: staging }`;

describe('the IAM policy from the catalog', () => {
  it('has no cluster statements without clusters, no instance delete without verify, and the account given', () => {
    const policy = iamPolicy(catalog(ROLLING, DATABASES), '123456789012')!;
    expect(policy.Statement.map((statement) => statement.Sid)).toEqual([
      'CreateDBSnapshot',
      'DescribeDBSnapshots',
      'DescribeDBInstances',
      'RestoreDBInstanceFromDBSnapshot',
      'DeleteDBSnapshot',
      'AddTagsToResource',
    ]);
    expect(policy.Statement[0]!.Resource).toEqual([
      'arn:aws:rds:eu-central-1:123456789012:db:orders-prod',
      'arn:aws:rds:eu-central-1:123456789012:snapshot:orders-*',
    ]);
    expect(policy.Statement[4]!.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/created-by': 'ops-bot' } });
    expect(iamPolicy(catalog(ROLLING))).toBeUndefined();
  });

  it('lets a restore use the groups it defaults to: the subnet group (named or default), option and parameter groups', () => {
    const restore = iamPolicy(catalog(ROLLING, DATABASES), '123456789012')!.Statement[3]!;
    expect(restore.Sid).toBe('RestoreDBInstanceFromDBSnapshot');
    expect(restore.Resource.filter((arn) => !/:(db|snapshot):/.test(arn))).toEqual([
      'arn:aws:rds:eu-central-1:123456789012:og:*',
      'arn:aws:rds:eu-central-1:123456789012:pg:*',
      expect.stringMatching(/^arn:aws:rds:eu-central-1:123456789012:subgrp:[a-z-]+$/),
    ]);
  });
});

describe('the simulators enforcing them', () => {
  it('refuses what the Role does not allow with the API server 403, and limits watch by its field selector', () => {
    const roles = rulesByContext(catalog(ROLLING)).get('prod')!;
    const authorizer = new RbacAuthorizer(roles, 'system:serviceaccount:ops-bot:ops-bot');
    const checkout = targetOf('/apis/apps/v1/namespaces/shop/deployments/checkout')!;
    expect(authorizer.refusal('patch', checkout, {})).toBeUndefined();
    expect(authorizer.refusal('delete', checkout, {})?.message).toBe(
      'deployments.apps "checkout" is forbidden: User "system:serviceaccount:ops-bot:ops-bot" cannot delete ' +
        'resource "deployments" in API group "apps" in the namespace "shop"',
    );
    const all = targetOf('/apis/apps/v1/namespaces/shop/deployments')!;
    expect(authorizer.refusal('watch', all, { fieldSelector: 'metadata.name=checkout' })).toBeUndefined();
    expect(authorizer.refusal('watch', all, {})?.reason).toBe('Forbidden');
    expect(authorizer.refusal('list', targetOf('/api/v1/namespaces/money/pods')!, {})?.code).toBe(403);
    expect([...authorizer.used.keys()]).toEqual(['shop/apps/deployments/patch', 'shop/apps/deployments/watch']);
  });

  it('evaluates the IAM policy: wildcards, tag conditions on request and resource, explicit deny', () => {
    const state = new RdsState();
    const policy = iamPolicy(catalog(ROLLING, DATABASES), '123456789012')!;
    const iam = new IamAuthorizer(policy, 'arn:aws:iam::123456789012:user/ops-bot');
    const tagged = { 'Tags.Tag.1.Key': 'created-by', 'Tags.Tag.1.Value': 'ops-bot' };
    const create = { DBInstanceIdentifier: 'orders-prod', DBSnapshotIdentifier: 'orders-1', ...tagged };
    expect(iam.refusal('CreateDBSnapshot', create, state)).toBeUndefined();
    expect(iam.refusal('CreateDBSnapshot', { ...create, 'Tags.Tag.1.Value': 'me' }, state)).toContain(
      'is not authorized to perform: rds:CreateDBSnapshot on resource: arn:aws:rds:eu-central-1:123456789012:db:orders-prod',
    );
    expect(iam.refusal('CreateDBSnapshot', { ...create, DBInstanceIdentifier: 'other' }, state)).toContain('db:other');
    state.snapshots.set('orders-1', {
      id: 'orders-1',
      source: 'orders-prod',
      kind: 'instance',
      engine: 'postgres',
      created: 0,
      readyAt: 0,
      sizeGb: 1,
      type: 'manual',
      tags: [],
    });
    expect(iam.refusal('DeleteDBSnapshot', { DBSnapshotIdentifier: 'orders-1' }, state)).toContain(
      'because no identity-based policy allows the rds:DeleteDBSnapshot action',
    );
    state.snapshots.get('orders-1')!.tags.push({ Key: 'created-by', Value: 'ops-bot' });
    expect(iam.refusal('DeleteDBSnapshot', { DBSnapshotIdentifier: 'orders-1' }, state)).toBeUndefined();
    const denying = new IamAuthorizer(
      { ...policy, Statement: [...policy.Statement, { Effect: 'Deny', Action: 'rds:Delete*', Resource: '*' }] },
      'arn:aws:iam::123456789012:user/ops-bot',
    );
    expect(denying.refusal('DeleteDBSnapshot', { DBSnapshotIdentifier: 'orders-1' }, state)).toContain('explicit deny');
  });
});

describe('npm run rbac', () => {
  const script = new URL('../../scripts/rbac.ts', import.meta.url).pathname;
  const example = new URL('../../deploy/base/catalog.yml', import.meta.url).pathname;
  const run = (args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

  it('writes one file per context and the IAM policy, and says what it wrote', () => {
    const out = mkdtempSync(join(tmpdir(), 'opsbot-rbac-'));
    const result = run([example, '--out', out, '--subject', 'User:ops-bot', '--account', '123456789012']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`wrote ${join(out, 'prod.yaml')}`);
    expect(readdirSync(out).sort()).toEqual(['iam-policy.json', 'prod.yaml', 'staging.yaml']);
    expect(readFileSync(join(out, 'iam-policy.json'), 'utf8')).toContain(':123456789012:db:orders-prod');
    rmSync(out, { recursive: true });
  });

  it('exits 2 naming the problem for an invalid catalog or argument', () => {
    const missing = run(['/nonexistent/catalog.yml']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cannot read the catalog: ENOENT (check the path)');
    // The path was given, so OPS_CATALOG would not help.
    expect(missing.stderr).not.toContain('OPS_CATALOG');
    const both = run([example, '--subject', 'User:x', '--service-account', 'a/b']);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('give --service-account or --subject, not both');
    expect(run(['--frobnicate']).status).toBe(2);
  });
});
