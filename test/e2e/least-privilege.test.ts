import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseCatalog } from '../../src/config/catalog-load.ts';
import { iamPolicy, type PolicyDocument } from '../../src/config/rbac/iam-policy.ts';
import { rulesByContext, type NamespaceRules } from '../../src/config/rbac/kube-role.ts';
import { RbacAuthorizer, permissionKey, serviceAccountUser } from '../../src/sandbox/kube/authorize.ts';
import { IamAuthorizer } from '../../src/sandbox/rds/iam.ts';
import { USER_ARN } from '../../src/sandbox/rds/simulator.ts';
import { ACCOUNT } from '../../src/sandbox/rds/state.ts';
import { CHECKOUT, KUBE_FLOWS, backup, rdsFlows, type Flow } from '../support/least-privilege.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Issue 16's least-privilege proof, both ways: with the simulators enforcing the Role and the IAM
// policy `npm run rbac` generates for this catalog, every flow passes; and for every rule — each verb
// of each Role rule, each action of each IAM statement — dropping only that one makes a flow that used
// it fail. A rule no flow uses fails the test: it should not have been generated.
const CATALOG = `environments:
  staging: { context: staging }
services:
  checkout:
    namespace: shop
    deployment: checkout
    container: app
    image: ${CHECKOUT}
    environments: [staging]
    timeout: 1m
  storefront:
    namespace: shop
    deployment: storefront
    container: web
    image: registry.example.com/shop/storefront
    strategy: bluegreen
    service: storefront
    gracePeriod: 1s
    environments: [staging]
  search:
    namespace: shop
    deployment: search
    container: api
    image: registry.example.com/shop/search
    strategy: canary
    canary: { steps: [50, 100], hold: 1s }
    environments: [staging]
databases:
  orders:
    engine: rds-instance
    identifier: orders-prod
    region: eu-central-1
    environment: staging
    subnetGroup: orders-private
    verify: { allowed: true }
  analytics:
    engine: rds-cluster
    identifier: analytics-prod
    region: eu-central-1
    environment: staging
    subnetGroup: analytics-private
    verify: { allowed: true }
backups:
  reportChannel: C0DEPLOYS01
roles:
  deploy: ["@engineers"]
  rollback: ["@engineers", "@oncall"]
  backup: ["@dba", "@sre"]
  restore: ["@dba"]
`;

const catalog = parseCatalog('least-privilege catalog', CATALOG);
const roles = rulesByContext(catalog).get('staging')!;
const policy = iamPolicy(catalog, ACCOUNT)!;
const USER = serviceAccountUser('ops-bot', 'ops-bot');

// Rules whose loss degrades rather than fails a flow; each has its own test below.
const DEGRADES = ['shop/apps/deployments/watch', 'shop/apps/deployments/delete'];

let stack: Stack;
let run = 0;
const backups: Record<string, string> = {};

// A Role rule's verb or an IAM statement's action, and how to take just that one away.
type Rule = { key: string; flow?: Flow; drop: () => void };

function kubeRules(): Rule[] {
  return roles.flatMap(({ namespace, rules }) =>
    rules.flatMap((rule, index) =>
      rule.verbs.flatMap((verb) =>
        rule.resources.map((resource) => ({
          key: permissionKey({ namespace, group: rule.apiGroups[0]!, resource, verb }),
          drop: () => enforceKube(without(roles, namespace, index, verb)),
        })),
      ),
    ),
  );
}

function without(grants: NamespaceRules[], namespace: string, index: number, verb: string): NamespaceRules[] {
  return grants.map((grant) =>
    grant.namespace !== namespace
      ? grant
      : {
          namespace,
          rules: grant.rules
            .map((rule, at) => (at === index ? { ...rule, verbs: rule.verbs.filter((v) => v !== verb) } : rule))
            .filter((rule) => rule.verbs.length > 0),
        },
  );
}

function iamRules(): Rule[] {
  return policy.Statement.flatMap((statement, index) =>
    statement.Action.map((action) => ({
      key: `${statement.Sid} ${action}`,
      drop: () => {
        const Statement = policy.Statement.map((entry, at) =>
          at === index ? { ...entry, Action: entry.Action.filter((a) => a !== action) } : entry,
        ).filter((entry) => entry.Action.length > 0);
        enforceIam({ ...policy, Statement });
      },
    })),
  );
}

const enforceKube = (grants: NamespaceRules[]) => (stack.kube.staging.authorizer = new RbacAuthorizer(grants, USER));
const enforceIam = (document: PolicyDocument) => (stack.rds.iam = new IamAuthorizer(document, USER_ARN));
function enforceAll() {
  enforceKube(roles);
  enforceIam(policy);
}
// Cleared by enforceAll (new authorizers): what the last flow was allowed.
const usedKeys = () => [
  ...stack.kube.staging.authorizer!.used.keys(),
  ...[...stack.rds.iam!.used.values()].map((grant) => `${grant.sid} ${grant.action}`),
];

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG, progressIntervalMs: 20 });
  const kube = stack.kube.staging;
  kube.addDeployment({
    namespace: 'shop',
    name: 'checkout',
    container: 'app',
    image: `${CHECKOUT}:1.0.0`,
    replicas: 2,
  });
  kube.addDeployment({
    namespace: 'shop',
    name: 'storefront-blue',
    container: 'web',
    image: 'registry.example.com/shop/storefront:3.0.0',
    replicas: 2,
    labels: { app: 'storefront', colour: 'blue' },
  });
  kube.addService('shop', 'storefront', { app: 'storefront', colour: 'blue' });
  kube.addDeployment({
    namespace: 'shop',
    name: 'search',
    container: 'api',
    image: 'registry.example.com/shop/search:2.0.0',
    replicas: 2,
  });
  stack.rds.addInstance('orders-prod');
  stack.rds.addCluster('analytics-prod');
  enforceAll();
  // The backups restore and verify work from: taken under the policy, by the flows below too.
  for (const database of ['orders', 'analytics']) {
    const taken = await backup(stack, database);
    expect(taken.outcome).toBe('ok');
    backups[database] = taken.id!;
  }
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const FLOWS = (): Flow[] => [...KUBE_FLOWS, ...rdsFlows(backups)];

describe('the generated Role and IAM policy', () => {
  // Every flow that was allowed each rule, in the order they ran.
  const users = new Map<string, Flow[]>();

  it('let every flow pass, with nothing denied', async () => {
    for (const flow of FLOWS()) {
      enforceAll();
      run += 1;
      const outcome = await flow.run(stack, run);
      expect(`${flow.name}: ${outcome}`).toBe(`${flow.name}: ok`);
      for (const key of usedKeys()) users.set(key, [...(users.get(key) ?? []), flow]);
    }
    expect(stack.kube.staging.authorizer!.denied).toEqual([]);
    expect(stack.rds.calls.filter((call) => call.code === 'AccessDenied')).toEqual([]);
  }, 120_000);

  it('grant nothing that no flow uses', () => {
    const unused = [...kubeRules(), ...iamRules()].map((rule) => rule.key).filter((key) => !users.has(key));
    expect(unused).toEqual([]);
  });

  it('need every rule: dropping any one makes a flow that used it fail', async () => {
    const survived: string[] = [];
    for (const rule of [...kubeRules(), ...iamRules()].filter((candidate) => !DEGRADES.includes(candidate.key))) {
      const flows = users.get(rule.key) ?? []; // none: reported by the test above
      let failed = false;
      for (const flow of flows) {
        enforceAll();
        rule.drop();
        run += 1;
        const calls = stack.rds.calls.length;
        // Failed, and because of the dropped rule: a refusal is on record.
        failed =
          (await flow.run(stack, run)) === 'failed' &&
          (stack.kube.staging.authorizer!.denied.length > 0 ||
            stack.rds.calls.slice(calls).some((call) => call.code === 'AccessDenied'));
        if (failed) break;
      }
      if (flows.length > 0 && !failed) survived.push(`${rule.key} (${flows.map((flow) => flow.name).join(', ')})`);
    }
    enforceAll();
    expect(survived).toEqual([]);
  }, 240_000);

  // The one rule whose loss the flows survive: the rollout follower falls back to polling (a GET every
  // 2 s after three refused watches), by design. It stays because the watch is the cheap, prompt way,
  // and, limited to the services' names, it widens nothing (decision 0026).
  it('need the watch: without it, rollouts are followed by polling after refused watches', async () => {
    enforceAll();
    enforceKube(without(roles, 'shop', 0, 'watch'));
    run += 1;
    const since = stack.kube.staging.requests.length;
    expect(await KUBE_FLOWS[0]!.run(stack, run)).toBe('ok');
    const requests = stack.kube.staging.requests.slice(since);
    const refusedWatches = requests.filter((request) => request.query.watch === 'true' && request.status === 403);
    expect(refusedWatches.length).toBeGreaterThanOrEqual(1);
    expect(stack.kube.staging.authorizer!.denied.every((denied) => denied.verb === 'watch')).toBe(true);
    enforceAll();
  }, 30_000);

  // The canary's stable Deployment already runs the new version when its own Deployment is deleted: without
  // delete the release still succeeded, and the message says the canary was scaled to 0 and must be deleted.
  it('need delete only to tidy up: without it the canary succeeds and says its Deployment was left at 0', async () => {
    enforceAll();
    const index = roles[0]!.rules.findIndex((rule) => rule.verbs.includes('delete'));
    enforceKube(without(roles, 'shop', index, 'delete'));
    run += 1;
    expect(await KUBE_FLOWS.find((flow) => flow.name === 'canary deploy')!.run(stack, run)).toBe('ok');
    expect(stack.kube.staging.authorizer!.denied.map((denied) => denied.verb)).toEqual(['delete']);
    const canary = stack.kube.staging.store.get('Deployment', 'shop', 'search-canary');
    expect((canary?.spec as { replicas?: number } | undefined)?.replicas).toBe(0);
    const said = JSON.stringify(stack.sim.workspace.channelMessages('C0DEPLOYS01').slice(-5));
    expect(said).toContain('could not be deleted');
    enforceAll();
  }, 30_000);
});
