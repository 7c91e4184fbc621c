import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE, auditRows, currentImage, realPatches, releaseRows } from '../support/approvals.ts';
import { rollbackCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { totalJobs } from '../support/queue-totals.ts';
import { startStack, type Stack } from '../support/stack.ts';

const STOREFRONT = 'registry.example.com/shop/storefront';
let stack: Stack;

const CATALOG = rollbackCatalog({ image: IMAGE, storefront: STOREFRONT });

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG });
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'checkout',
    container: 'app',
    image: `${IMAGE}:1.0`,
    replicas: 3,
    progressDeadlineSeconds: 300,
  });
  stack.kube.prod.addDeployment({
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

// The newest message that starts so: several rollbacks to one version leave several such messages.
function message(startsWith: string, after = '0') {
  return stack.sim.workspace
    .channelMessages('C0DEPLOYS01')
    .filter((candidate) => candidate.text.startsWith(startsWith) && Number(candidate.ts) > Number(after))
    .at(-1);
}

async function settled(startsWith: string, after = '0') {
  const found = await eventually(
    () => {
      const candidate = message(startsWith, after);
      if (!candidate)
        throw new Error(
          `no "${startsWith}" yet; last: ${stack.sim.workspace.channelMessages('C0DEPLOYS01').at(-1)?.text}`,
        );
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

async function deploy(as: string, version: string) {
  await stack.slack.command(as, `/deploy checkout ${version} to staging --reason "release ${version}"`);
  await settled(`checkout ${version} to staging: succeeded`);
}

describe('/rollback', () => {
  it('puts the revision before the current one back, and history shows every release with who did it', async () => {
    await deploy('bob', '1.1');
    await deploy('bob', '1.2');
    const answer = await stack.slack.command('carol', '/rollback checkout staging --reason "5xx after 1.2"');
    expect(answer.json?.text).toMatch(
      /checkout staging: 1\.2 \(rev 3, by <@U0BOB00002> \d\d:\d\d, live\) → 1\.1 \(rev 2, last good, ran \d+ seconds?\)/,
    );
    await settled('checkout rollback to 1.1 in staging: rolled back');
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.1`);

    const history = await stack.slack.command('dave', '/deploy history checkout staging');
    const text = String(history.json?.text);
    const lines = text.split('\n').slice(1);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/live `1.1`.* rev 4 · rollback by <@U0CAROL003> .*succeeded — 5xx after 1.2/);
    expect(lines[1]).toMatch(/`1.2`.* rev 3 · by <@U0BOB00002> .*later rolled back — release 1.2/);
    expect(lines[2]).toMatch(/`1.1`.* rev 4 \(running again\) · by <@U0BOB00002>/);
    expect(lines[3]).toMatch(/`1.0` rev 1 .*outside ops-bot/);
    // No button: 1.1 is live, 1.2 was rolled back away from, 1.0 is not known to be good.
    expect(JSON.stringify(history.json?.blocks)).not.toContain('Roll back to');
  });

  it('goes back to a named version or revision, and refuses one the cluster no longer has with the list it has', async () => {
    await stack.slack.command('carol', '/rollback checkout staging --to 1.0');
    await settled('checkout rollback to 1.0 in staging: rolled back');
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.0`);
    await stack.slack.command('carol', '/rollback checkout staging --to 3');
    await settled('checkout rollback to 1.2 in staging: rolled back');
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.2`);
    const before = await totalJobs(stack.bot);
    const unknown = await stack.slack.command('carol', '/rollback checkout staging --to 42');
    expect(unknown.json?.text).toContain('Revision 42 is not among the revisions the cluster keeps');
    expect(unknown.json?.text).toMatch(/The cluster keeps: 6 \(1\.2, live\), 5 \(1\.0\), 4 \(1\.1\)/);
    // A version never deployed is not "no longer" there; the version that runs now is nothing to go back to.
    const never = await stack.slack.command('carol', '/rollback checkout staging --to 9.9.9');
    expect(never.json?.text).toContain('Version 9.9.9 is not among the revisions the cluster keeps');
    const live = await stack.slack.command('carol', '/rollback checkout staging --to 1.2');
    expect(live.json?.text).toContain('already runs 1.2 (revision 6); nothing to roll back to.');
    expect(await totalJobs(stack.bot)).toBe(before);
  });

  it('needs approval in production (the lighter rollback policy) and runs once', async () => {
    await stack.slack.command('bob', '/deploy checkout 1.1 to production');
    const deployRequest = await eventually(() => {
      const found = message(':lock: deploy checkout 1.1 to production');
      if (!found) throw new Error('no request');
      return found;
    });
    await stack.slack.click('carol', { messageTs: deployRequest.ts, actionId: 'approval_approve' });
    await stack.slack.click('frank', { messageTs: deployRequest.ts, actionId: 'approval_approve' });
    await settled('checkout 1.1 to production: succeeded');
    await stack.slack.command('bob', '/rollback checkout production');
    const request = await eventually(() => {
      const found = message(':lock: roll back checkout 1.0 to production');
      if (!found) throw new Error('no rollback request');
      return found;
    });
    // 1.0 was there before ops-bot: nothing earlier is known good, so kubectl's rule, and the plan says so.
    expect(request.text).toMatch(
      /checkout production: 1\.1 \(rev 2, by <@U0BOB00002> \d\d:\d\d, live\) → 1\.0 \(rev 1, previous revision, made outside ops-bot\)/,
    );
    expect(JSON.stringify(request.blocks)).toContain('1 of @sre-leads, @oncall');
    expect(currentImage(stack)).toBe(`${IMAGE}:1.1`);
    await stack.slack.click('erin', { messageTs: request.ts, actionId: 'approval_approve' });
    await settled('checkout rollback to 1.0 in production: rolled back');
    expect(currentImage(stack)).toBe(`${IMAGE}:1.0`);
    expect(await auditRows(stack, "action = 'rollback.start' AND target = 'checkout/production'")).toHaveLength(1);

    // Back to the release just rolled back: only by name, and the approvers are told what happened to it.
    const asked = await stack.slack.command(
      'carol',
      '/rollback checkout production --to 1.1 --reason "it was the cache"',
    );
    expect(asked.json?.text).toContain('⚠ this release was rolled back');
    const back = await eventually(() => {
      const found = message(':lock: roll back checkout 1.1 to production');
      if (!found) throw new Error('no rollback request');
      return found;
    });
    expect(back.text).toMatch(
      /→ 1\.1 \(rev 2, by <@U0BOB00002> \d\d:\d\d\) ⚠ this release was rolled back on \d{4}-\d\d-\d\d \d\d:\d\d UTC by <@U0BOB00002>: no reason given/,
    );
    // Reject opens a form for a reason; submitting it rejects.
    await stack.slack.click('erin', { messageTs: back.ts, actionId: 'approval_reject' });
    const form = await eventually(() => {
      const opened = stack.sim
        .callsTo('views.open')
        .map((call) => (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view))
        .find((view: { callback_id?: string }) => view.callback_id === 'approval_reject_modal');
      if (!opened) throw new Error('no Reject form opened');
      return opened as { private_metadata: string };
    });
    await stack.slack.submitView('erin', {
      callbackId: 'approval_reject_modal',
      privateMetadata: form.private_metadata,
      values: { reason: { value: { type: 'plain_text_input', value: 'the cache is still cold' } } },
    });
    await eventually(() =>
      expect(stack.sim.workspace.messageByTs(back.ts)!.text).toMatch(/Rejected by <@\w+>: the cache is still cold/),
    );
  });

  it('starts from the Rollback button of a failed deploy, for that service and environment; a second press meanwhile is refused', async () => {
    stack.kube.staging.failImage(`${IMAGE}:9.9`, 'CrashLoopBackOff');
    await stack.slack.command('bob', '/deploy checkout 9.9 to staging');
    const failed = await settled('checkout 9.9 to staging: failed');
    expect(JSON.stringify(failed.blocks)).toContain('CrashLoopBackOff');
    const startsBefore = (await auditRows(stack, "action = 'rollback.start'")).length;
    // Two people press it at the same moment: one rollback, one refusal.
    await Promise.all([
      stack.slack.click('erin', { messageTs: failed.ts, actionId: 'deploy_rollback' }),
      stack.slack.click('dave', { messageTs: failed.ts, actionId: 'deploy_rollback' }),
    ]);
    await eventually(() =>
      expect(
        stack.sim
          .callsTo('response_url')
          .filter(
            (call) =>
              ['U0ERIN0005', 'U0DAVE0004'].includes(String(call.args.user)) &&
              /is being (planned|changed) right now/.test(String(call.args.text)),
          ),
      ).toHaveLength(1),
    );
    await settled('checkout rollback to 1.2 in staging: rolled back', failed.ts);
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.2`);
    expect((await auditRows(stack, "action = 'rollback.start'")).length).toBe(startsBefore + 1);
    expect(stack.sim.workspace.messageByTs(failed.ts)!.text).toContain('checkout 9.9 to staging: failed');
  });
});

describe('blue-green rollback', () => {
  it('switches the Service back to the previous colour without touching any pod', async () => {
    await stack.slack.command('bob', '/deploy storefront 3.2.0 to staging');
    await settled('storefront 3.2.0 to staging: succeeded');
    const selector = () =>
      (stack.kube.staging.store.get('Service', 'shop', 'storefront')!.spec as { selector: Record<string, string> })
        .selector.colour;
    expect(selector()).toBe('green');
    const podEvents: string[] = [];
    const unsubscribe = stack.kube.staging.store.subscribe((event) => {
      if (event.object.kind === 'Pod' || event.object.kind === 'ReplicaSet')
        podEvents.push(`${event.type} ${event.object.metadata.name}`);
    });
    const patchesBefore = realPatches(stack, 'staging').length;
    const answer = await stack.slack.command('carol', '/rollback storefront staging');
    expect(answer.json?.text).toMatch(
      /storefront staging: 3\.2\.0 \(rev 1, by <@U0BOB00002> \d\d:\d\d, live\) → 3\.1\.0 \(outside ops-bot, the previous colour\), traffic back to blue/,
    );
    await settled('storefront rollback to 3.1.0 in staging: rolled back');
    const releases = await releaseRows(stack, "service = 'storefront'");
    expect(releases.map((row) => [row.kind, row.version, row.deployment, row.outcome])).toEqual([
      ['deploy', '3.2.0', 'storefront-green', 'rolled_back'],
      ['rollback', '3.1.0', 'storefront-blue', 'succeeded'],
    ]);
    expect(releases[1]!.rolled_back_from).toBe(releases[0]!.id);
    unsubscribe();
    expect(selector()).toBe('blue');
    expect(podEvents).toEqual([]);
    expect(
      realPatches(stack, 'staging')
        .slice(patchesBefore)
        .map((patch) => patch.path),
    ).toEqual(['/api/v1/namespaces/shop/services/storefront']);
  });
});
