import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auditRows } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// /ops pods, events and logs end to end: real Bolt, PostgreSQL's audit log, the Kubernetes simulator
// (its pods, events and pod logs) and the Slack simulator's file upload.
const CHECKOUT = 'registry.example.com/shop/checkout';
const ORDERS = 'registry.example.com/shop/orders';
const SEARCH = 'registry.example.com/shop/search';
const CATALOG = `environments:
  staging: { context: staging }
services:
  checkout: { namespace: shop, deployment: checkout, container: app, image: ${CHECKOUT}, environments: [staging] }
  orders: { namespace: shop, deployment: orders, container: app, image: ${ORDERS}, environments: [staging] }
  search: { namespace: shop, deployment: search, container: api, image: ${SEARCH}, environments: [staging] }
roles:
  deploy: ["@engineers"]
  rollback: ["@engineers", "@oncall"]
redact: ['(?<=://)[^:/@\\s]+:[^@\\s]+(?=@)']
`;
const SECRET = 's3cr3t-sandbox';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG });
  const kube = stack.kube.staging;
  kube.failImage(`${ORDERS}:2.0.0-crash`, 'CrashLoopBackOff');
  kube.failImage(`${SEARCH}:3.0.0-broken`, 'ImagePullBackOff');
  kube.addDeployment({
    namespace: 'shop',
    name: 'checkout',
    container: 'app',
    image: `${CHECKOUT}:1.4.2`,
    replicas: 2,
  });
  kube.addDeployment({
    namespace: 'shop',
    name: 'orders',
    container: 'app',
    image: `${ORDERS}:2.0.0-crash`,
    replicas: 1,
  });
  kube.addDeployment({
    namespace: 'shop',
    name: 'search',
    container: 'api',
    image: `${SEARCH}:3.0.0-broken`,
    replicas: 1,
  });
  await eventually(() => expect(pods('checkout').filter((pod) => ready(pod))).toHaveLength(2), {
    what: 'checkout ready',
  });
  await eventually(() => expect(restarts(pods('orders')[0])).toBeGreaterThanOrEqual(1), { what: 'orders crashing' });
}, 30_000);

afterAll(async () => stack?.close());

const pods = (app: string) =>
  stack.kube.staging.store.list('Pod', 'shop').filter((pod) => pod.metadata.labels?.app === app);
const statusOf = (pod: unknown) =>
  (
    pod as {
      status?: { conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount: number }[] };
    }
  ).status;
const ready = (pod: unknown) => statusOf(pod)?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const restarts = (pod: unknown) => statusOf(pod)?.containerStatuses?.[0]?.restartCount ?? 0;

async function ask(who: string, line: string): Promise<string> {
  const answer = await stack.slack.command(who, line);
  expect(answer.status).toBe(200);
  // LOOKUPS_PRINT=1 shows each answer as Slack got it (the README's examples come from here).
  if (process.env.LOOKUPS_PRINT) process.stderr.write(`${line}\n${String(answer.json?.text)}\n\n`);
  return `${String(answer.json?.text)}\n${JSON.stringify(answer.json?.blocks ?? [])}`;
}

// The audit rows of one look-up once `count` of them are written (they are written after the reply).
async function lookupRows(action: string, count = 1) {
  return eventually(
    async () => {
      const rows = await auditRows(stack, 'action = $1', [action]);
      if (rows.length < count) throw new Error(`${rows.length} ${action} rows yet`);
      return rows;
    },
    { what: `audit rows of ${action}` },
  );
}

describe('look-ups', () => {
  it('are refused without a deploy or rollback role, and the refusal is audited', async () => {
    const text = await ask('guest', '/ops pods checkout staging');
    expect(text).toContain('You may not do this: it needs the role `deploy`');
    const logs = await ask('frank', '/ops logs checkout staging');
    expect(logs).toContain('needs the role `deploy`');
    expect(logs).not.toContain('GET /api');
    const rows = await lookupRows('ops.pods');
    expect(rows.find((row) => row.actor === 'U0GUEST007')).toMatchObject({ decision: 'refused' });
  });

  it("lists only the service's pods, with the problem ops-bot recognises, and audits who looked at what", async () => {
    const checkout = await ask('bob', '/ops pods checkout staging');
    for (const pod of pods('checkout')) expect(checkout).toContain(pod.metadata.name);
    expect(checkout).toContain('`checkout:1.4.2`');
    expect(checkout).not.toContain(pods('orders')[0]!.metadata.name);
    const orders = await ask('bob', '/ops pods orders staging');
    expect(orders).toContain('CrashLoopBackOff: app restarted');
    const search = await ask('erin', '/ops pods search staging');
    expect(search).toMatch(/ErrImagePull|ImagePullBackOff/);
    const rows = await lookupRows('ops.pods', 4);
    expect(rows.filter((row) => row.decision === 'accepted').map((row) => [row.actor, row.target])).toEqual(
      expect.arrayContaining([
        ['U0BOB00002', 'checkout/staging'],
        ['U0BOB00002', 'orders/staging'],
        ['U0ERIN0005', 'search/staging'],
      ]),
    );
  });

  it("shows the service's events newest first, Warnings marked, and no other service's", async () => {
    const text = await ask('bob', '/ops events orders staging');
    expect(text).toContain(':warning: *Warning*');
    // The kubelet's back-offs are one line with their count; the newest event comes first.
    expect(text).toMatch(/Pod\/orders-\S+ \*BackOff\* \(×\d+\)/);
    expect(text.indexOf('*BackOff*')).toBeLessThan(text.indexOf('*ScalingReplicaSet*'));
    expect(text).not.toContain('Pod/checkout-');
    const checkout = await ask('bob', '/ops events checkout staging');
    expect(checkout).toContain('ScalingReplicaSet');
    expect(checkout).not.toContain(':warning:');
    expect((await lookupRows('ops.events', 2))[0]).toMatchObject({ actor: 'U0BOB00002', target: 'orders/staging' });
  });

  it("shows the failing pod's last lines by default, redacted by the catalog's patterns", async () => {
    const text = await ask('bob', '/ops logs orders staging');
    expect(text).toContain(pods('orders')[0]!.metadata.name);
    expect(text).toContain('ECONNREFUSED');
    expect(text).toContain('postgres://[redacted]@orders-db.internal');
    expect(text).not.toContain(SECRET);
    const rows = await lookupRows('ops.logs', 2);
    expect(rows.at(-1)).toMatchObject({ actor: 'U0BOB00002', target: 'orders/staging', decision: 'accepted' });
    expect(rows.at(-1)!.details).toMatchObject({ pod: pods('orders')[0]!.metadata.name, container: 'app' });
  });

  it('sends a long log as a file in a direct message, redacted too, and says so', async () => {
    const before = stack.sim.workspace.files.size;
    const text = await ask('bob', '/ops logs checkout staging --tail 500');
    expect(text).toMatch(/Showing the last \d+ of 500 lines; all of them are coming to you as a file/);
    expect(text).not.toContain(SECRET);
    const file = await eventually(
      () => {
        const found = [...stack.sim.workspace.files.values()].slice(before).find((entry) => entry.channels.length > 0);
        if (!found) throw new Error('no file shared yet');
        return found;
      },
      { what: 'the log file' },
    );
    const dm = stack.sim.workspace.channels.get(file.channels[0]!)!;
    expect(dm.isIm).toBe(true);
    expect([...dm.members]).toContain('U0BOB00002');
    const content = String(file.content);
    expect(content.trimEnd().split('\n')).toHaveLength(500);
    expect(content).toContain('[redacted]');
    expect(content).not.toContain(SECRET);
  });

  it('names a pod that is not one of the service, and a container that has not started', async () => {
    const unknown = await ask('bob', '/ops logs checkout staging --pod checkout-nope');
    expect(unknown).toContain('There is no pod `checkout-nope` of checkout in staging (its pods:');
    const other = pods('orders')[0]!.metadata.name;
    expect(await ask('bob', `/ops logs checkout staging --pod ${other}`)).toContain(`There is no pod \`${other}\``);
    const waiting = await ask('bob', '/ops logs search staging');
    expect(waiting).toContain('has no log to show');
    expect(waiting).toContain('is waiting to start: trying and failing to pull image');
  });

  it('bounds --tail and --since, and suggests the subcommand for a typo', async () => {
    expect(await ask('bob', '/ops logs checkout staging --tail 501')).toContain('must be at most 500');
    expect(await ask('bob', '/ops logs checkout staging --since 2d')).toContain('goes back at most 24h');
    expect(await ask('bob', '/ops pod checkout staging')).toContain('pods');
  });

  it('answers through response_url when the cluster is slow', async () => {
    stack.kube.staging.slowDown(2_800);
    try {
      const text = await ask('bob', '/ops pods checkout staging');
      expect(text).toContain('is slow to answer');
      const late = await eventually(
        () => {
          const found = stack.sim
            .callsTo('response_url')
            .find((call) => String(call.args.text).includes('checkout') && String(call.args.text).includes('pods'));
          if (!found) throw new Error('no late answer yet');
          return found;
        },
        { timeoutMs: 15_000, what: 'the late answer' },
      );
      expect(String(late.args.text)).toContain(pods('checkout')[0]!.metadata.name);
    } finally {
      stack.kube.staging.slowDown(0);
    }
  }, 30_000);
});
