import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE, auditRows, currentImage } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { totalJobs } from '../support/queue-totals.ts';
import { startStack, type Stack } from '../support/stack.ts';
import type { KubeObject } from '../../src/sandbox/kube/store.ts';

let stack: Stack;
let health: Server;
let healthy = true;

function catalog(healthUrl: string): string {
  return `environments:
  staging:
    context: staging
  production:
    context: prod
    approval: { approvers: ["@sre-leads"], required: 2, expires: 30m }
services:
  checkout:
    namespace: shop
    deployment: checkout
    container: app
    image: registry.example.com/shop/checkout
    environments: [staging, production]
    timeout: 1m
  storefront:
    namespace: shop
    deployment: storefront
    container: web
    image: registry.example.com/shop/storefront
    strategy: bluegreen
    service: storefront
    gracePeriod: 1s
    healthCheck: { url: "${healthUrl}/storefront/{env}", expectStatus: 200, timeout: 2s }
    environments: [staging]
  search:
    namespace: shop
    deployment: search
    container: api
    image: registry.example.com/shop/search
    strategy: canary
    canary: { steps: [10, 25, 50, 100], hold: 1s }
    healthCheck: { url: "${healthUrl}/search/{env}" }
    environments: [staging]
  slowsearch:
    namespace: shop
    deployment: slowsearch
    container: api
    image: registry.example.com/shop/search
    strategy: canary
    canary: { steps: [20, 100], hold: 1h }
    environments: [staging]
  sidecarry:
    namespace: money
    deployment: wrongname
    container: app
    image: registry.example.com/money/sidecarry
    environments: [staging]
  ledger:
    namespace: money
    deployment: ledger
    container: app
    image: registry.example.com/money/ledger
    environments: [staging]
roles:
  deploy: ["@engineers"]
  rollback: ["@engineers", "@oncall"]
  admin: ["@sre-leads"]
`;
}

const STOREFRONT = 'registry.example.com/shop/storefront';
const SEARCH = 'registry.example.com/shop/search';

beforeAll(async () => {
  health = createServer((_req, res) => {
    res.writeHead(healthy ? 200 : 503);
    res.end();
  });
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  const healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}`;
  stack = await startStack({ catalogYaml: catalog(healthUrl) });
  const kube = stack.kube.staging;
  kube.addDeployment({
    namespace: 'shop',
    name: 'checkout',
    container: 'app',
    image: `${IMAGE}:1.0.0`,
    replicas: 3,
    progressDeadlineSeconds: 300,
  });
  stack.kube.prod.addDeployment({
    namespace: 'shop',
    name: 'checkout',
    container: 'app',
    image: `${IMAGE}:1.0.0`,
    replicas: 3,
  });
  kube.addDeployment({
    namespace: 'shop',
    name: 'storefront-blue',
    container: 'web',
    image: `${STOREFRONT}:3.1.0`,
    replicas: 2,
    labels: { app: 'storefront', colour: 'blue' },
  });
  kube.addService('shop', 'storefront', { app: 'storefront', colour: 'blue' });
  kube.addDeployment({ namespace: 'shop', name: 'search', container: 'api', image: `${SEARCH}:2.0.0`, replicas: 10 });
  kube.addDeployment({
    namespace: 'shop',
    name: 'slowsearch',
    container: 'api',
    image: `${SEARCH}:2.0.0`,
    replicas: 5,
  });
  kube.addDeployment({
    namespace: 'money',
    name: 'ledger',
    container: 'app',
    image: 'registry.example.com/money/ledger:7.0.0',
    replicas: 2,
  });
});

afterAll(async () => {
  await stack.close();
  await new Promise<void>((resolve) => health.close(() => resolve()));
});

function deployMessage(service: string, version: string, env = 'staging') {
  return stack.sim.workspace
    .channelMessages('C0DEPLOYS01')
    .find((message) => message.text.startsWith(`${service} ${version} to ${env}:`));
}

async function finished(service: string, version: string, outcome: string, env = 'staging') {
  return eventually(
    () => {
      const message = deployMessage(service, version, env);
      if (!message?.text.startsWith(`${service} ${version} to ${env}: ${outcome}`))
        throw new Error(`message: ${message?.text}`);
      return message;
    },
    { timeoutMs: 20_000, what: `${service} ${version} ${outcome}` },
  );
}

const image = (object: KubeObject | undefined) =>
  (object?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template.spec.containers[0]
    ?.image;

describe('a rolling deploy to staging', () => {
  it('patches the image with a change cause, follows the rollout with a watch, and ends in success with the duration', async () => {
    await stack.slack.command('bob', '/deploy checkout 1.1.0 to staging --reason "tax fix"');
    const message = await finished('checkout', '1.1.0', 'succeeded');
    expect(JSON.stringify(message.blocks)).toMatch(/took \d+(ms|s)/);
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.1.0`);
    expect(
      stack.kube.staging.requests.some(
        (request) => request.query.watch === 'true' && request.path.endsWith('/deployments'),
      ),
    ).toBe(true);
    const sets = stack.kube.staging.store
      .list('ReplicaSet', 'shop')
      .filter((rs) => rs.metadata.name.startsWith('checkout-'));
    const newest = sets.sort(
      (a, b) =>
        Number(b.metadata.annotations!['deployment.kubernetes.io/revision']) -
        Number(a.metadata.annotations!['deployment.kubernetes.io/revision']),
    )[0]!;
    expect(newest.metadata.annotations!['kubernetes.io/change-cause']).toBe(
      'ops-bot: 1.1.0 by <@U0BOB00002> — tax fix',
    );
  });

  it('rolls back by itself as soon as the new image turns out not to exist, and the message says both', async () => {
    stack.kube.staging.failImage(`${IMAGE}:6.6.6`, 'ImagePullBackOff');
    await stack.slack.command('bob', '/deploy checkout 6.6.6 to staging');
    const message = await finished('checkout', '6.6.6', 'failed and rolled back');
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.1.0`);
    const shown = JSON.stringify(message.blocks);
    expect(shown).toContain('ImagePullBackOff');
    expect(shown).toContain('rolled back to `1.1.0`');
    expect(message.text).toContain('the new pods cannot start: ImagePullBackOff');
    await eventually(async () =>
      expect(
        (await auditRows(stack, "action = 'deploy.result' AND details->>'to' = $1", [`${IMAGE}:6.6.6`])).map(
          (row) => row.decision,
        ),
      ).toEqual(['rolled-back']),
    );
  });
});

describe('blue-green', () => {
  it('rolls the idle colour, checks health, and switches the Service only once the new colour is ready', async () => {
    const switches: { greenReady: number; greenDesired: number }[] = [];
    stack.kube.staging.store.subscribe((event) => {
      if (
        event.object.kind === 'Service' &&
        (event.object.spec as { selector: Record<string, string> }).selector.colour === 'green'
      ) {
        const green = stack.kube.staging.deployment('shop', 'storefront-green');
        switches.push({
          greenReady: Number((green?.status as { availableReplicas?: number })?.availableReplicas ?? 0),
          greenDesired: Number((green?.spec as { replicas: number }).replicas),
        });
      }
    });
    await stack.slack.command('bob', '/deploy storefront 3.2.0 to staging');
    const done = await finished('storefront', '3.2.0', 'succeeded');
    expect(switches).toEqual([{ greenReady: 2, greenDesired: 2 }]);
    // The finished message counts the new colour's pods, not 0 of them.
    expect(JSON.stringify(done.blocks)).toContain('2/2 ready');
    expect(image(stack.kube.staging.deployment('shop', 'storefront-green'))).toBe(`${STOREFRONT}:3.2.0`);
    expect(image(stack.kube.staging.deployment('shop', 'storefront-blue'))).toBe(`${STOREFRONT}:3.1.0`);
    // After the grace period the old colour is scaled to zero.
    await eventually(() =>
      expect((stack.kube.staging.deployment('shop', 'storefront-blue')!.spec as { replicas: number }).replicas).toBe(0),
    );
  });

  it('does not switch when the health check fails; traffic stays on the live colour', async () => {
    healthy = false;
    try {
      await stack.slack.command('bob', '/deploy storefront 3.3.0 to staging');
      await finished('storefront', '3.3.0', 'failed and rolled back');
      expect(
        (stack.kube.staging.store.get('Service', 'shop', 'storefront')!.spec as { selector: Record<string, string> })
          .selector.colour,
      ).toBe('green');
      expect((stack.kube.staging.deployment('shop', 'storefront-blue')!.spec as { replicas: number }).replicas).toBe(0);
    } finally {
      healthy = true;
    }
  });
});

describe('canary', () => {
  it('steps through 10, 25, 50 and 100 % of stable, then updates stable and removes the canary', async () => {
    const sizes: number[] = [];
    stack.kube.staging.store.subscribe((event) => {
      if (
        event.object.kind === 'Deployment' &&
        event.object.metadata.name === 'search-canary' &&
        event.type !== 'DELETED'
      ) {
        const replicas = Number((event.object.spec as { replicas: number }).replicas);
        if (sizes.at(-1) !== replicas) sizes.push(replicas);
      }
    });
    await stack.slack.command('bob', '/deploy search 2.1.0 to staging');
    await finished('search', '2.1.0', 'succeeded');
    expect(sizes).toEqual([1, 3, 5]);
    expect(image(stack.kube.staging.deployment('shop', 'search'))).toBe(`${SEARCH}:2.1.0`);
    expect(stack.kube.staging.deployment('shop', 'search-canary')).toBeUndefined();
  });

  it('Abort scales the canary to 0 and leaves stable untouched', async () => {
    await stack.slack.command('bob', '/deploy slowsearch 2.1.0 to staging');
    const message = await eventually(
      () => {
        const found = deployMessage('slowsearch', '2.1.0');
        if (!found || !JSON.stringify(found.blocks).includes('canary_abort')) throw new Error('not holding yet');
        return found;
      },
      { timeoutMs: 15_000 },
    );
    expect(JSON.stringify(message.blocks)).toContain('canary_promote');
    await stack.slack.click('carol', { messageTs: message.ts, actionId: 'canary_abort' });
    await finished('slowsearch', '2.1.0', 'canary aborted');
    expect((stack.kube.staging.deployment('shop', 'slowsearch-canary')!.spec as { replicas: number }).replicas).toBe(0);
    expect(image(stack.kube.staging.deployment('shop', 'slowsearch'))).toBe(`${SEARCH}:2.0.0`);
    await eventually(async () =>
      expect((await auditRows(stack, "action = 'deploy.canary-abort'")).map((row) => row.actor)).toEqual([
        'U0CAROL003',
      ]),
    );
  });
});

describe('one change per target', () => {
  it('refuses a second deploy to a target that is being changed, naming who holds it; other targets run in parallel', async () => {
    stack.kube.staging.failImage(`${IMAGE}:7.0.0-slow`, 'NeverReady');
    // Real seconds for the deadline while this test holds the target: a busy machine must not let the
    // stuck rollout reach its progress deadline before the test cancels it.
    stack.kube.staging.controller.setTiming({ secondMs: 1_000 });
    await stack.slack.command('bob', '/deploy checkout 7.0.0-slow to staging');
    await eventually(() => expect(deployMessage('checkout', '7.0.0-slow')?.text).toContain('rolling out'));
    const second = await stack.slack.command('dave', '/deploy checkout 7.0.1 to staging');
    expect(second.json?.text).toContain('checkout in staging is being changed right now by <@U0BOB00002>');
    expect(second.json?.text).toMatch(/job `deploy-[0-9a-f]{16}`/);
    expect(second.json?.text).toMatch(/<https:\/\/ops-sandbox\.slack\.com\/archives\/C0DEPLOYS01\/p\d+\|progress>/);
    await stack.slack.command('dave', '/deploy ledger 7.1.0 to staging');
    await finished('ledger', '7.1.0', 'succeeded');
    // Stop the stuck one so the rest of the suite can use checkout.
    const stuck = deployMessage('checkout', '7.0.0-slow')!;
    await stack.slack.click('bob', { messageTs: stuck.ts, actionId: 'deploy_cancel' });
    await finished('checkout', '7.0.0-slow', 'cancelled');
    stack.kube.staging.controller.setTiming({ secondMs: 5 });
  });
});

describe('bad requests', () => {
  it.each([
    [
      'an unknown service',
      '/deploy chekout 1.2.0 to staging',
      'There is no service `chekout` in the catalog. Did you mean `checkout`?',
    ],
    ['an unknown environment', '/deploy checkout 1.2.0 to prodd', 'There is no environment `prodd`'],
    [
      'a service not enabled in the environment',
      '/deploy storefront 3.4.0 to production',
      '`storefront` is not deployed to `production`',
    ],
    ['a bad tag', '/deploy checkout 1.2.0!! to staging', 'is not a valid version'],
  ])('refuse %s at once, with no job', async (_label, line, message) => {
    const before = await totalJobs(stack.bot);
    const answer = await stack.slack.command('bob', line);
    expect(answer.json?.text).toContain(message);
    expect(await totalJobs(stack.bot)).toBe(before);
  });

  it("refuse a Deployment without the catalog's container, and an RBAC 403, in the reply, with no job", async () => {
    stack.kube.staging.addDeployment({
      namespace: 'money',
      name: 'wrongname',
      container: 'sidecar',
      image: 'x/y:1',
      replicas: 1,
    });
    const before = await totalJobs(stack.bot);
    const missing = await stack.slack.command('bob', '/deploy sidecarry 2.0.0 to staging');
    expect(missing.json?.text).toContain('The Deployment money/wrongname has no container `app` (it has `sidecar`).');
    stack.kube.staging.forbid('patch', 'deployments', 'money', 'ledger');
    const forbidden = await stack.slack.command('bob', '/deploy ledger 7.2.0 to staging');
    expect(forbidden.json?.text).toContain('Kubernetes refused to let ops-bot patch money/ledger (dry run) (RBAC)');
    expect(forbidden.json?.text).toContain('cannot patch resource "deployments"');
    expect(await totalJobs(stack.bot)).toBe(before);
  });
});

describe('Slack under pressure', () => {
  it('answers 429 on chat.update without losing the final state', async () => {
    stack.sim.fail('chat.update', { rateLimited: 1 }, 3);
    await stack.slack.command('bob', '/deploy checkout 1.2.0 to staging');
    await finished('checkout', '1.2.0', 'succeeded');
    expect(stack.sim.callsTo('chat.update').filter((call) => call.status === 429).length).toBeGreaterThanOrEqual(1);
  });
});
