import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE, releaseRows } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { POSTGRES_URL, databaseUrl, uniqueName } from '../support/services.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

// /ops history end to end: real Bolt, BullMQ on Redis, PostgreSQL's release ledger and the Kubernetes
// simulator. The rows it lists are the ones the deploys and the rollback below wrote.
const ORDERS = 'registry.example.com/shop/orders';
const CATALOG = `environments:
  staging:
    context: staging
  production:
    context: prod
services:
  checkout:
    namespace: shop
    deployment: checkout
    container: app
    image: ${IMAGE}
    environments: [staging, production]
    timeout: 1m
  orders:
    namespace: shop
    deployment: orders
    container: app
    image: ${ORDERS}
    environments: [staging]
    timeout: 1m
roles:
  deploy: ["@engineers"]
  rollback: ["@engineers", "@oncall"]
  admin: ["@sre-leads"]
`;
const BOB = '<@U0BOB00002>';
const CAROL = '<@U0CAROL003>';
const DATE = /^<!date\^\d+\^\{date_short_pretty\} \{time\}\|\d{4}-\d\d-\d\d \d\d:\d\d UTC> {2}/;
const JOB = / {2}`(deploy|rollback)-[0-9a-f]{16}`$/;

let stack: Stack;

function seed(cluster: Stack['kube']['staging'], name: string, image: string) {
  cluster.addDeployment({
    namespace: 'shop',
    name,
    container: 'app',
    image,
    replicas: 2,
    progressDeadlineSeconds: 300,
  });
}

// A command that starts a job, then the ledger row it wrote once the job has ended.
async function released(who: string, line: string, finished: number) {
  const answer = await stack.slack.command(who, line);
  expect(answer.status).toBe(200);
  await eventually(async () => expect((await releaseRows(stack, 'outcome IS NOT NULL')).length).toBe(finished), {
    timeoutMs: 30_000,
    what: `${line} to finish`,
  });
  await eventually(async () =>
    expect(
      (await stack.bot.queues.queue('deploy').getActiveCount()) +
        (await stack.bot.queues.queue('rollback').getActiveCount()),
    ).toBe(0),
  );
}

// The answer's lines without the date token and the job id (both checked on every line).
async function history(text: string): Promise<{ title: string; lines: string[] }> {
  const answer = await stack.slack.command('dave', `/ops ${text}`);
  expect(answer.status).toBe(200);
  expect(answer.json?.response_type).toBe('ephemeral');
  const [title, ...lines] = String(answer.json?.text).split('\n');
  for (const line of lines) {
    expect(line).toMatch(DATE);
    expect(line).toMatch(JOB);
  }
  return { title: title!, lines: lines.map((line) => line.replace(DATE, '').replace(JOB, '')) };
}

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG });
  seed(stack.kube.staging, 'checkout', `${IMAGE}:1.3.9`);
  seed(stack.kube.staging, 'orders', `${ORDERS}:2.0.0`);
  seed(stack.kube.prod, 'checkout', `${IMAGE}:1.3.9`);
  await released('bob', '/deploy checkout 1.4.0 to staging --reason "release 1.4.0"', 1);
  await released('bob', '/deploy orders 2.0.1 to staging', 2);
  await released('bob', '/deploy checkout 1.4.1 to staging --reason "release 1.4.1"', 3);
  await released('carol', '/rollback checkout staging --reason "5xx after 1.4.1"', 4);
  await released('bob', '/deploy checkout 1.4.1 to production --reason "ship it"', 5);
  // The first release happened two hours ago and the orders one an hour ago, as far as --since is concerned.
  const backdate = (hours: number, where: string) =>
    stack.bot.pool.query(
      `UPDATE releases SET started_at = started_at - $1::interval, requested_at = requested_at - $1::interval
       WHERE ${where}`,
      [`${hours} hours`],
    );
  await backdate(2, "service = 'checkout' AND env = 'staging' AND version = '1.4.0' AND kind = 'deploy'");
  await backdate(1, "service = 'orders'");
}, 120_000);

afterAll(async () => stack.close());

const PROD_141 = `*checkout production*  … → 1.4.1  deploy  by ${BOB}  :white_check_mark: succeeded — ship it`;
const ROLLBACK = `*checkout staging*  1.4.1 → 1.4.0  rollback  by ${CAROL}  :white_check_mark: succeeded — 5xx after 1.4.1`;
const STAGING_141 = `*checkout staging*  1.4.0 → 1.4.1  deploy  by ${BOB}  :rewind: succeeded, later rolled back — release 1.4.1`;
const ORDERS_201 = `*orders staging*  … → 2.0.1  deploy  by ${BOB}  :white_check_mark: succeeded`;
const STAGING_140 = `*checkout staging*  … → 1.4.0  deploy  by ${BOB}  :white_check_mark: succeeded — release 1.4.0`;

describe('/ops history', () => {
  it('lists every release of the last 24h, newest first, with who, outcome and why', async () => {
    const { title, lines } = await history('history');
    expect(title).toBe('What changed anywhere in the last 24h:');
    expect(lines).toEqual([PROD_141, ROLLBACK, STAGING_141, ORDERS_201, STAGING_140]);
  });

  it('narrows to one service, or to one environment', async () => {
    const checkout = await history('history checkout');
    expect(checkout.title).toBe('What changed in `checkout` in the last 24h:');
    expect(checkout.lines).toEqual([PROD_141, ROLLBACK, STAGING_141, STAGING_140]);
    const staging = await history('history staging');
    expect(staging.title).toBe('What changed in `staging` in the last 24h:');
    expect(staging.lines).toEqual([ROLLBACK, STAGING_141, ORDERS_201, STAGING_140]);
  });

  it('goes back as far as --since says', async () => {
    const lastHour = await history('history checkout --since 1h');
    expect(lastHour.title).toBe('What changed in `checkout` in the last 1h:');
    expect(lastHour.lines).toEqual([PROD_141, ROLLBACK, STAGING_141]);
    const empty = await history('history orders --since 30m');
    expect(empty).toEqual({ title: 'Nothing changed in `orders` in the last 30m.', lines: [] });
  });

  it('refuses a word that is neither a service nor an environment, and a bad --since, with usage', async () => {
    const unknown = await stack.slack.command('dave', '/ops history chekout');
    expect(String(unknown.json?.text)).toContain('There is no service or environment `chekout` in the catalog.');
    expect(String(unknown.json?.text)).toContain('Services: checkout, orders. Environments: staging, production.');
    const badSince = await stack.slack.command('dave', '/ops history staging --since yesterday');
    expect(String(badSince.json?.text)).toContain('--since `yesterday` is not a duration');
    expect(String(badSince.json?.text)).toContain('/ops history [service|env] [--since 24h]');
    const tooFar = await stack.slack.command('dave', '/ops history --since 365d');
    expect(String(tooFar.json?.text)).toContain('goes back at most 90d');
  });
});

describe('/ops history while PostgreSQL does not answer', () => {
  let slow: Stack;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const postgres = new URL(POSTGRES_URL);
    proxy = new TcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    const url = new URL(databaseUrl(uniqueName('opsbot_test')));
    url.port = String(await proxy.start());
    slow = await startStack({ catalogYaml: CATALOG, databaseUrl: url.toString() });
  });
  afterAll(async () => {
    await proxy.cut();
    await proxy.start();
    await slow.close();
    await proxy.stop();
  });

  it('answers within the ack deadline with a refusal that says why', async () => {
    proxy.blackhole();
    const answer = await slow.slack.command('dave', '/ops history checkout');
    expect(answer.status).toBe(200);
    expect(String(answer.json?.text)).toContain('cannot read its release ledger right now');
  });
});
