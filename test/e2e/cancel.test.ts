import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE, auditRows, currentImage } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { CANCEL_RULE } from '../../src/core/cancel-rule.ts';
import type { KubeObject } from '../../src/sandbox/kube/store.ts';
import type { SimMessage } from '../../src/sandbox/slack/workspace.ts';

const LEDGER = 'registry.example.com/money/ledger';
const STOREFRONT = 'registry.example.com/shop/storefront';
const SEARCH = 'registry.example.com/shop/search';
let stack: Stack;

// Roles chosen so that holding one role and not the other matters: alice may deploy but not roll
// back; bob may do both; frank is the only admin; guest holds nothing.
const CATALOG = `environments:
  staging:
    context: staging
services:
  checkout:
    namespace: shop
    deployment: checkout
    container: app
    image: ${IMAGE}
    environments: [staging]
    timeout: 10m
  ledger:
    namespace: money
    deployment: ledger
    container: app
    image: ${LEDGER}
    environments: [staging]
    timeout: 10m
  storefront:
    namespace: shop
    deployment: storefront
    container: web
    image: ${STOREFRONT}
    strategy: bluegreen
    service: storefront
    gracePeriod: 1h
    environments: [staging]
    timeout: 10m
  search:
    namespace: shop
    deployment: search
    container: api
    image: ${SEARCH}
    strategy: canary
    canary: { steps: [50, 100], hold: 1h }
    environments: [staging]
    timeout: 10m
roles:
  deploy: ["@engineers"]
  rollback: ["@oncall"]
  admin: ["@eng-leads"]
`;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG });
  // A progress deadline far away (3 min real time here), so a rollout only ends when cancelled.
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'checkout',
    container: 'app',
    image: `${IMAGE}:1.0.0`,
    replicas: 3,
    progressDeadlineSeconds: 36_000,
  });
  stack.kube.staging.addDeployment({
    namespace: 'money',
    name: 'ledger',
    container: 'app',
    image: `${LEDGER}:7.0.0`,
    replicas: 3,
    progressDeadlineSeconds: 36_000,
  });
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'storefront-blue',
    container: 'web',
    image: `${STOREFRONT}:3.1.0`,
    replicas: 2,
    labels: { app: 'storefront', colour: 'blue' },
  });
  // The idle colour exists at 0 with a far deadline, so only the cancel can end its rollout.
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'storefront-green',
    container: 'web',
    image: `${STOREFRONT}:3.0.0`,
    replicas: 0,
    labels: { app: 'storefront', colour: 'green' },
    progressDeadlineSeconds: 36_000,
  });
  stack.kube.staging.addService('shop', 'storefront', { app: 'storefront', colour: 'blue' });
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'search',
    container: 'api',
    image: `${SEARCH}:2.0.0`,
    replicas: 4,
  });
});

afterAll(async () => {
  await stack.close();
});

function progressMessage(prefix: string): SimMessage | undefined {
  return stack.sim.workspace.channelMessages('C0DEPLOYS01').find((message) => message.text.startsWith(prefix));
}

async function says(prefix: string, words: string): Promise<SimMessage> {
  return eventually(
    () => {
      const message = progressMessage(prefix);
      if (!message?.text.startsWith(`${prefix}: ${words}`)) throw new Error(`message: ${message?.text}`);
      return message;
    },
    { timeoutMs: 20_000, what: `${prefix}: ${words}` },
  );
}

function jobOf(message: SimMessage, kind: 'deploy' | 'rollback'): string {
  return new RegExp(`${kind}-[0-9a-f]{16}`).exec(JSON.stringify(message.blocks))![0];
}

const shown = (message: SimMessage) => JSON.stringify(stack.sim.workspace.messageByTs(message.ts)!.blocks);

const imageOf = (object: KubeObject | undefined) =>
  (object?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template.spec.containers[0]
    ?.image;

describe('cancelling a running deploy', () => {
  it('puts back the revision it started from, and the message names who cancelled and what runs now', async () => {
    stack.kube.staging.failImage(`${IMAGE}:2.0.0-stuck`, 'NeverReady');
    await stack.slack.command('bob', '/deploy checkout 2.0.0-stuck to staging');
    const rolling = await says('checkout 2.0.0-stuck to staging', 'rolling out');
    const jobId = jobOf(rolling, 'deploy');

    const refused = await stack.slack.command('guest', `/ops cancel ${jobId}`);
    expect(refused.json?.text).toContain(`You may not cancel \`${jobId}\`: only <@U0BOB00002> (who asked)`);
    expect(refused.json?.text).toContain('the `deploy` role (@engineers) or admins (@eng-leads) may');
    expect(refused.json?.text).toContain(CANCEL_RULE);
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:2.0.0-stuck`);

    const asked = await stack.slack.command('dave', `/ops cancel ${jobId}`);
    expect(asked.json?.text).toContain(`Asked \`${jobId}\` to stop.`);
    const message = await says('checkout 2.0.0-stuck to staging', 'cancelled');
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.0.0`);
    expect(message.text).toContain('<@U0DAVE0004> cancelled it and 1.0.0 was put back: it runs 1.0.0');
    expect(shown(message)).toContain('3/3 pods available');
    // The readiness probe's own words ("Readiness probe failed") may stay on as the problem seen.
    expect(shown(message)).not.toMatch(/— failed|rollback failed|could not roll back/);
    await eventually(async () => {
      const rows = await auditRows(stack, 'job_id = $1', [jobId]);
      expect(rows.filter((row) => row.action === 'deploy.cancel').map((row) => [row.actor, row.decision])).toEqual([
        ['U0GUEST007', 'refused'],
        ['U0DAVE0004', 'requested'],
      ]);
      const result = rows.find((row) => row.action === 'deploy.result' && row.decision === 'cancelled');
      expect(String(result?.reason)).toContain('cancelled by <@U0DAVE0004>; put back 1.0.0');
    });
  });
});

describe('cancelling with --leave, then deploying the same broken version again', () => {
  it('leaves the cluster on the new template and says so; the next deploy of it is reported as stuck', async () => {
    stack.kube.staging.failImage(`${IMAGE}:1.4.5-broken`, 'NeverReady');
    await stack.slack.command('bob', '/deploy checkout 1.4.5-broken to staging');
    const rolling = await says('checkout 1.4.5-broken to staging', 'rolling out');
    const jobId = jobOf(rolling, 'deploy');

    await stack.slack.command('bob', `/ops cancel ${jobId} --leave`);
    const message = await says('checkout 1.4.5-broken to staging', 'cancelled');
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.4.5-broken`);
    expect(message.text).toContain(
      '<@U0BOB00002> cancelled it with --leave: ops-bot stopped following the rollout and left the cluster as it is',
    );
    expect(message.text).toMatch(
      /its template is 1\.4\.5-broken \(rev \d+\), 0\/3 new pods ready; 3 still run 1\.0\.0/,
    );

    const again = await stack.slack.command('bob', '/deploy checkout 1.4.5-broken to staging');
    const answer = String(again.json?.text);
    expect(answer).not.toContain('already running');
    expect(answer).toContain('checkout staging is stuck rolling out 1.4.5-broken: 0/3 new pods ready');
    expect(answer).toContain('Roll it back with `/rollback checkout staging` (to 1.0.0');
    // A version the pods really run is still refused as a no-op.
    const ledger = await stack.slack.command('bob', '/deploy ledger 7.0.0 to staging');
    expect(ledger.json?.text).toContain('ledger is already running 7.0.0 in staging; nothing to do.');
  });
});

describe('cancelling a rollback', () => {
  it("is refused to someone without the rollback role, and an admin's cancel puts back what ran before", async () => {
    await stack.slack.command('bob', '/deploy ledger 7.1.0 to staging');
    await says('ledger 7.1.0 to staging', 'succeeded');
    // New pods take minutes to get ready, so the rollback is still rolling when it is cancelled.
    stack.kube.staging.controller.setTiming({ podReadyMs: 600_000 });
    try {
      await stack.slack.command('bob', '/rollback ledger staging');
      const rolling = await says('ledger rollback to 7.0.0 in staging', 'rolling back');
      const jobId = jobOf(rolling, 'rollback');

      const refused = await stack.slack.command('alice', `/ops cancel ${jobId}`);
      expect(refused.json?.text).toContain('only <@U0BOB00002> (who asked), the `rollback` role (@oncall) or admins');

      await stack.slack.command('frank', `/ops cancel ${jobId}`);
      const message = await says('ledger rollback to 7.0.0 in staging', 'cancelled');
      expect(message.text).toContain('<@U0FRANK006> cancelled it and 7.1.0 was put back: it runs 7.1.0');
      expect(imageOf(stack.kube.staging.deployment('money', 'ledger'))).toBe(`${LEDGER}:7.1.0`);
      await eventually(async () =>
        expect(
          (await auditRows(stack, "job_id = $1 AND action = 'rollback.result'", [jobId])).map((row) => row.decision),
        ).toContain('cancelled'),
      );
    } finally {
      stack.kube.staging.controller.setTiming({ podReadyMs: 10 });
    }
  });
});

describe('cancelling other strategies', () => {
  it('blue-green, by the Cancel button: traffic never leaves the live colour and the idle one goes to 0', async () => {
    stack.kube.staging.failImage(`${STOREFRONT}:3.2.0-stuck`, 'NeverReady');
    await stack.slack.command('bob', '/deploy storefront 3.2.0-stuck to staging');
    const rolling = await says('storefront 3.2.0-stuck to staging', 'rolling out');
    await stack.slack.click('erin', { messageTs: rolling.ts, actionId: 'deploy_cancel' });
    const message = await says('storefront 3.2.0-stuck to staging', 'cancelled');
    expect(message.text).toContain(
      '<@U0ERIN0005> cancelled it; traffic never left blue (3.1.0), green was scaled to 0',
    );
    const selector = (stack.kube.staging.store.get('Service', 'shop', 'storefront')!.spec as { selector: object })
      .selector;
    expect(selector).toEqual({ app: 'storefront', colour: 'blue' });
    expect((stack.kube.staging.deployment('shop', 'storefront-green')!.spec as { replicas: number }).replicas).toBe(0);
  });

  it('canary: cancelling while it holds aborts it; stable is untouched', async () => {
    await stack.slack.command('bob', '/deploy search 2.1.0 to staging');
    const holding = await says('search 2.1.0 to staging', 'canary holding');
    await stack.slack.command('carol', `/ops cancel ${jobOf(holding, 'deploy')}`);
    const message = await says('search 2.1.0 to staging', 'canary aborted');
    expect(message.text).toContain('cancelled by <@U0CAROL003>');
    expect((stack.kube.staging.deployment('shop', 'search-canary')!.spec as { replicas: number }).replicas).toBe(0);
    expect(imageOf(stack.kube.staging.deployment('shop', 'search'))).toBe(`${SEARCH}:2.0.0`);
  });
});

describe('who may cancel is one rule', () => {
  it('is stated identically by /ops whoami, /ops help and the README', async () => {
    const help = await stack.slack.command('guest', '/ops help');
    expect(JSON.stringify(help.json?.blocks)).toContain(JSON.stringify(CANCEL_RULE).slice(1, -1));
    await stack.slack.command('guest', '/ops whoami');
    const whoami = await eventually(() => {
      const posted = stack.sim.callsTo('response_url').find((call) => call.args.user === 'U0GUEST007');
      if (!posted) throw new Error('no whoami reply yet');
      return posted;
    });
    expect(JSON.stringify(whoami.args.blocks)).toContain(JSON.stringify(CANCEL_RULE).slice(1, -1));
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(CANCEL_RULE);
  });
});
