import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE, auditRows, currentImage, realPatches } from '../support/approvals.ts';
import { rollbackCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

const STOREFRONT = 'registry.example.com/shop/storefront';
let stack: Stack;

const CATALOG = rollbackCatalog({ image: IMAGE, storefront: STOREFRONT, deployApproval: false });

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG });
  for (const env of ['staging', 'prod'] as const)
    stack.kube[env].addDeployment({
      namespace: 'shop',
      name: 'checkout',
      container: 'app',
      image: `${IMAGE}:1.0`,
      replicas: 3,
    });
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'storefront-blue',
    container: 'web',
    image: `${STOREFRONT}:3.1.0`,
    replicas: 2,
    labels: { app: 'storefront', colour: 'blue' },
  });
  stack.kube.staging.addService('shop', 'storefront', { app: 'storefront', colour: 'blue' });
});

afterAll(async () => stack.close());

function message(startsWith: string) {
  return stack.sim.workspace
    .channelMessages('C0DEPLOYS01')
    .filter((candidate) => candidate.text.startsWith(startsWith))
    .at(-1);
}

async function settled(startsWith: string) {
  const found = await eventually(
    () => {
      const candidate = message(startsWith);
      if (!candidate) throw new Error(`no "${startsWith}" yet`);
      return candidate;
    },
    { timeoutMs: 20_000, what: startsWith },
  );
  await eventually(async () =>
    expect(
      (await stack.bot.queues.queue('deploy').getActiveCount()) +
        (await stack.bot.queues.queue('rollback').getActiveCount()),
    ).toBe(0),
  );
  return found;
}

async function deploy(version: string, env = 'staging') {
  await stack.slack.command('bob', `/deploy checkout ${version} to ${env} --reason "release ${version}"`);
  return settled(`checkout ${version} to ${env}: succeeded`);
}

// The ephemeral answer a button press got, through its response_url.
async function answerTo(userId: string, pattern: RegExp): Promise<string> {
  return eventually(() => {
    const found = stack.sim
      .callsTo('response_url')
      .filter((call) => call.args.user === userId && pattern.test(String(call.args.text)))
      .at(-1);
    if (!found) throw new Error(`no answer to ${userId} matching ${pattern}`);
    return String(found.args.text);
  });
}

async function rollbackRequests(): Promise<number> {
  return (await auditRows(stack, "action = 'rollback.request'")).length;
}

describe('Rollback buttons bound to the release they show', () => {
  it('refuses an old deploy message’s button after another deploy, and changes nothing', async () => {
    const first = await deploy('1.1');
    await deploy('1.2');
    const patches = realPatches(stack, 'staging').length;
    const requests = await rollbackRequests();
    await stack.slack.click('carol', { messageTs: first.ts, actionId: 'deploy_rollback' });
    const text = await answerTo('U0CAROL003', /This Rollback was for/);
    expect(text).toMatch(
      /This Rollback was for checkout 1\.1 \(the deploy of \d\d:\d\d\); staging now runs 1\.2, deployed by <@U0BOB00002> at \d\d:\d\d\. Nothing was changed\./,
    );
    expect(text).toContain('/rollback checkout staging');
    const refusals = await auditRows(stack, "action = 'button.deploy_rollback' AND decision = 'refused'");
    expect(refusals.map((row) => row.reason)).toEqual([expect.stringContaining('This Rollback was for checkout 1.1')]);
    expect(realPatches(stack, 'staging').length).toBe(patches);
    expect(await rollbackRequests()).toBe(requests);
    expect(await stack.bot.queues.queue('rollback').getJobCounts()).toMatchObject({ waiting: 0, active: 0 });
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.2`);
  });

  it('rolls back to the release its deploy started from while that deploy is still live', async () => {
    const third = await deploy('1.3');
    await stack.slack.click('carol', { messageTs: third.ts, actionId: 'deploy_rollback' });
    await settled('checkout rollback to 1.2 in staging: rolled back');
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.2`);
    const request = (await auditRows(stack, "action = 'rollback.request'")).at(-1)!;
    expect(request.details).toMatchObject({ to: { version: '1.2' } });
    // Pressed again, the deploy it was for no longer runs.
    await stack.slack.click('erin', { messageTs: third.ts, actionId: 'deploy_rollback' });
    expect(await answerTo('U0ERIN0005', /This Rollback was for/)).toMatch(
      /for checkout 1\.3 .*; staging now runs 1\.2, which <@U0CAROL003> rolled back to at/,
    );
  });

  it('goes through the approval gate in production, to the release the deploy started from', async () => {
    const prod = await deploy('2.0', 'production');
    await stack.slack.click('carol', { messageTs: prod.ts, actionId: 'deploy_rollback' });
    const request = await eventually(() => {
      const found = message(':lock: roll back checkout 1.0 to production');
      if (!found) throw new Error('no rollback approval request');
      return found;
    });
    await stack.slack.click('erin', { messageTs: request.ts, actionId: 'approval_approve' });
    await settled('checkout rollback to 1.0 in production: rolled back');
    expect(currentImage(stack, 'prod')).toBe(`${IMAGE}:1.0`);
  });

  it('binds /deploy history’s buttons to their row’s ReplicaSet', async () => {
    await stack.slack.command('carol', '/deploy history checkout staging');
    const history = await eventually(() => {
      const found = stack.sim.workspace.ephemerals
        .filter((candidate) => candidate.user === 'U0CAROL003' && candidate.text.startsWith('Deploy history'))
        .at(-1);
      if (!found) throw new Error('no history yet');
      return found;
    });
    type Actions = { type: string; elements?: { action_id: string; value: string }[] };
    const values = (history.blocks as Actions[])
      .flatMap((block) => (block.type === 'actions' ? (block.elements ?? []) : []))
      .filter((element) => element.action_id === 'rollback_to')
      .map((element) => JSON.parse(element.value) as { bound: { version: string; rs: string } });
    const row = (version: string) => values.find((value) => value.bound.version === version)!;
    // Buttons only on older good releases: 1.1 (not the live 1.2, the rolled-back 1.3, or 1.0 from outside).
    expect(values.map((value) => value.bound.version)).toEqual(['1.1']);
    expect(row('1.1').bound.rs).not.toBe('');
    // The revision now names another ReplicaSet (as after the Deployment was re-created): refused.
    const patches = realPatches(stack, 'staging').length;
    const moved = { ...row('1.1'), bound: { ...row('1.1').bound, rs: 'a-replicaset-that-is-gone' } };
    await stack.slack.click('carol', { messageTs: history.ts, actionId: 'rollback_to', value: JSON.stringify(moved) });
    expect(await answerTo('U0CAROL003', /in \/deploy history/)).toMatch(
      /This Rollback was for checkout 1\.1 \(rev \d+ in \/deploy history\); staging now runs 1\.2/,
    );
    expect(realPatches(stack, 'staging').length).toBe(patches);
    await stack.slack.click('carol', {
      messageTs: history.ts,
      actionId: 'rollback_to',
      value: JSON.stringify(row('1.1')),
    });
    await settled('checkout rollback to 1.1 in staging: rolled back');
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.1`);
  });

  it('switches a blue-green deploy back while it is live, and refuses its button afterwards', async () => {
    await stack.slack.command('bob', '/deploy storefront 3.2.0 to staging');
    const green = await settled('storefront 3.2.0 to staging: succeeded');
    const selector = () =>
      (stack.kube.staging.store.get('Service', 'shop', 'storefront')!.spec as { selector: Record<string, string> })
        .selector.colour;
    expect(selector()).toBe('green');
    await stack.slack.click('carol', { messageTs: green.ts, actionId: 'deploy_rollback' });
    await settled('storefront rollback to 3.1.0 in staging: rolled back');
    expect(selector()).toBe('blue');
    await stack.slack.click('dave', { messageTs: green.ts, actionId: 'deploy_rollback' });
    expect(await answerTo('U0DAVE0004', /This Rollback was for storefront/)).toMatch(
      /This Rollback was for storefront 3\.2\.0 \(the deploy of \d\d:\d\d\); staging now runs 3\.1\.0/,
    );
    expect(selector()).toBe('blue');
  });

  it('refuses a button rendered before buttons were bound, clearly', async () => {
    const live = message('checkout 1.3 to staging: succeeded')!;
    const requests = await rollbackRequests();
    const patches = realPatches(stack, 'staging').length;
    await stack.slack.click('dave', {
      messageTs: live.ts,
      actionId: 'deploy_rollback',
      value: JSON.stringify({ service: 'checkout', env: 'staging' }),
    });
    const text = await answerTo('U0DAVE0004', /older message/);
    expect(text).toContain('Nothing was changed');
    expect(text).toContain('/rollback checkout staging');
    expect(realPatches(stack, 'staging').length).toBe(patches);
    expect(await rollbackRequests()).toBe(requests);
  });
});
