import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SimMessage } from '../../src/sandbox/slack/workspace.ts';
import {
  IMAGE,
  approvalMessage,
  auditRows,
  currentImage,
  realPatches,
  releaseRows,
  seedCheckout,
} from '../support/approvals.ts';
import { testCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { POSTGRES_URL, databaseUrl, uniqueName } from '../support/services.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';

// Promote: a succeeded staging deploy's message offers "Promote to production", which asks for the same
// image in production pinned to the digest staging ran, through production's approval (1 of @sre-leads
// or alice here). bob and dave are engineers (the deploy role); guest is not; carol is an SRE lead.
let stack: Stack;

// The simulator's registry: a tag's digest is the sha256 of the image reference.
const digestOf = (version: string) => `sha256:${createHash('sha256').update(`${IMAGE}:${version}`).digest('hex')}`;

function latest(startsWith: string): SimMessage | undefined {
  return stack.sim.workspace
    .channelMessages('C0DEPLOYS01')
    .filter((candidate) => candidate.text.startsWith(startsWith))
    .at(-1);
}

async function settled(startsWith: string): Promise<SimMessage> {
  const found = await eventually(
    () => {
      const candidate = latest(startsWith);
      if (!candidate) throw new Error(`no "${startsWith}" yet`);
      return candidate;
    },
    { timeoutMs: 30_000, what: startsWith },
  );
  await eventually(async () =>
    expect(
      (await stack.bot.queues.queue('deploy').getActiveCount()) +
        (await stack.bot.queues.queue('rollback').getActiveCount()),
    ).toBe(0),
  );
  return found;
}

async function deployToStaging(version: string): Promise<SimMessage> {
  await stack.slack.command('bob', `/deploy checkout ${version} to staging --reason "release ${version}"`);
  return settled(`checkout ${version} to staging: succeeded`);
}

type Element = { action_id: string; value: string; text: { text: string } };
function promoteButtonOf(message: SimMessage): Element | undefined {
  const current = stack.sim.workspace.messageByTs(message.ts)!;
  return (current.blocks as { type: string; elements?: Element[] }[])
    .flatMap((block) => (block.type === 'actions' ? (block.elements ?? []) : []))
    .find((element) => element.action_id === 'deploy_promote');
}

type Value = { service: string; env: string; to: string; job: string; version: string; digest: string };
const valueOf = (message: SimMessage) => JSON.parse(promoteButtonOf(message)!.value) as Value;

// The ephemeral answer a button press got, through its response_url.
async function answerTo(userId: string, pattern: RegExp, after = 0): Promise<string> {
  return eventually(() => {
    const found = stack.sim
      .callsTo('response_url')
      .slice(after)
      .filter((call) => call.args.user === userId && pattern.test(String(call.args.text)))
      .at(-1);
    if (!found) throw new Error(`no answer to ${userId} matching ${pattern}`);
    return String(found.args.text);
  });
}

const productionRequests = async () =>
  (await auditRows(stack, "action = 'deploy.request' AND target = 'checkout/production'")).length;
const approvalRequests = async () =>
  Number((await stack.bot.pool.query('SELECT count(*) AS n FROM approval_requests')).rows[0].n);

// Presses Promote with a value of the test's making, and expects a refusal that changed nothing.
async function refusedPress(as: string, userId: string, message: SimMessage, value: string, pattern: RegExp) {
  const [requests, approvals, patches] = [await productionRequests(), await approvalRequests(), realPatches(stack)];
  await stack.slack.click(as, { messageTs: message.ts, actionId: 'deploy_promote', value });
  const text = await answerTo(userId, pattern);
  expect(await productionRequests()).toBe(requests);
  expect(await approvalRequests()).toBe(approvals);
  expect(realPatches(stack).length).toBe(patches.length);
  return text;
}

describe('Promote to production', () => {
  beforeAll(async () => {
    stack = await startStack({ catalogYaml: testCatalog({ required: 1 }) });
    seedCheckout(stack, '1.0.0');
  });

  afterAll(async () => stack.close());

  it('deploys the digest staging ran, through production’s approval, once however often it is pressed', async () => {
    const staging = await deployToStaging('1.4.2');
    const button = promoteButtonOf(staging)!;
    expect(button.text.text).toBe('Promote to production');
    const value = valueOf(staging);
    const [row] = await releaseRows(stack, 'job_id = $1', [value.job]);
    expect(row).toMatchObject({ env: 'staging', version: '1.4.2', outcome: 'succeeded', digest: digestOf('1.4.2') });
    expect(value).toMatchObject({ service: 'checkout', env: 'staging', to: 'production', digest: digestOf('1.4.2') });

    // A double click, by two people at once: one request.
    await Promise.all([
      stack.slack.click('dave', { messageTs: staging.ts, actionId: 'deploy_promote' }),
      stack.slack.click('erin', { messageTs: staging.ts, actionId: 'deploy_promote' }),
    ]);
    const short = `${digestOf('1.4.2').slice(0, 15)}…`;
    const request = await eventually(() => {
      const found = latest(`:lock: deploy checkout 1.4.2 (${short}) to production`);
      if (!found) throw new Error('no approval request yet');
      return found;
    });
    const rendered = JSON.stringify(request.blocks);
    expect(request.text).toContain(`checkout production: 1.0.0 (rev 1) → 1.4.2 (${short}), rolling, 3 replicas`);
    expect(rendered).toContain(`${IMAGE}@${digestOf('1.4.2')}`);
    expect(rendered).toContain(`promoted from staging job ${value.job}`);
    const requester = rendered.includes('<@U0DAVE0004> asks to') ? 'U0DAVE0004' : 'U0ERIN0005';
    const other = requester === 'U0DAVE0004' ? 'U0ERIN0005' : 'U0DAVE0004';
    expect(await answerTo(other, /already requested|being planned/)).toMatch(/Nothing new|Wait a few seconds/);

    // Pressed again once the request waits: that request is the answer, and nothing new is asked. (Pressed
    // while the first press's planning still holds its reservation, the answer is "being planned": as true.)
    const again = await eventually(
      async () => {
        const before = stack.sim.callsTo('response_url').length;
        await stack.slack.click('dave', { messageTs: staging.ts, actionId: 'deploy_promote' });
        const told = await answerTo('U0DAVE0004', /already requested|being planned/, before);
        if (!told.includes('already requested')) throw new Error(told);
        return told;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(again).toContain('Nothing new was requested');
    expect(await productionRequests()).toBe(1);
    expect(await approvalRequests()).toBe(1);
    const [audit] = await auditRows(stack, "action = 'deploy.request' AND target = 'checkout/production'");
    expect(audit).toMatchObject({ actor: requester, reason: `promoted from staging job ${value.job}` });
    expect(audit!.details).toMatchObject({ digest: digestOf('1.4.2'), promotedFrom: { env: 'staging' } });

    await stack.slack.click('carol', { messageTs: request.ts, actionId: 'approval_approve' });
    const production = await settled(`checkout 1.4.2 (${short}) to production: succeeded`);
    expect(currentImage(stack, 'prod')).toBe(`${IMAGE}@${digestOf('1.4.2')}`);
    const [promoted] = await releaseRows(stack, "env = 'production'");
    expect(promoted).toMatchObject({
      version: '1.4.2',
      image: `${IMAGE}@${digestOf('1.4.2')}`,
      digest: digestOf('1.4.2'),
      requester,
      approvers: ['U0CAROL003'],
      outcome: 'succeeded',
    });
    // Production is the last environment: nothing further to promote to.
    expect(promoteButtonOf(production)).toBeUndefined();

    // A rollback's plan names the pinned release by its version, the digest short: never 71 characters of sha256.
    await stack.slack.command('bob', '/rollback checkout production --reason "checking the words"');
    const rollback = await eventually(() => {
      const found = latest(':lock: roll back checkout');
      if (!found) throw new Error('no rollback request yet');
      return found;
    });
    expect(rollback.text).toMatch(new RegExp(`checkout production: 1\\.4\\.2 \\(${short}, rev \\d+, by <@U0\\w+> `));
    expect(rollback.text).not.toContain(digestOf('1.4.2'));
    // Cancelled by its requester, so the tests below find no request waiting for production.
    const note = await eventually(() => {
      const found = stack.sim.workspace.ephemerals.find(
        (message) => message.user === 'U0BOB00002' && JSON.stringify(message.blocks).includes('approval_cancel'),
      );
      if (!found) throw new Error('no waiting note');
      return found;
    });
    await stack.slack.click('bob', { messageTs: note.ts, actionId: 'approval_cancel' });
    await eventually(() => {
      const now = stack.sim.workspace.channelMessages('C0DEPLOYS01').find((message) => message.ts === rollback.ts);
      if (!JSON.stringify(now).includes('Cancelled by')) throw new Error('the rollback request is not cancelled yet');
    });
  }, 90_000);

  it('refuses someone without the deploy role', async () => {
    const staging = latest('checkout 1.4.2 to staging: succeeded')!;
    const text = await refusedPress('guest', 'U0GUEST007', staging, promoteButtonOf(staging)!.value, /You may not/);
    expect(text).toContain('`deploy` role');
  });

  it('refuses a release staging rolled back away from, saying when, by whom and why', async () => {
    const bad = await deployToStaging('1.5.0');
    await stack.slack.command('carol', '/rollback checkout staging --reason "5xx after 1.5.0"');
    await settled('checkout rollback to 1.4.2 in staging: rolled back');
    const text = await refusedPress('dave', 'U0DAVE0004', bad, promoteButtonOf(bad)!.value, /was rolled back/);
    expect(text).toMatch(
      /checkout 1\.5\.0 in staging \(job `deploy-\w+`\) was rolled back on .+ by <@U0CAROL003>: 5xx after 1\.5\.0\./,
    );
    expect(currentImage(stack, 'prod')).toBe(`${IMAGE}@${digestOf('1.4.2')}`);
  }, 60_000);

  it('refuses a release whose pods never reported the digest they ran, offering the tag explicitly', async () => {
    const staging = await deployToStaging('1.6.0');
    const value = valueOf(staging);
    // As when the kubelet never filled in containerStatuses[].imageID: the ledger has no digest.
    await stack.bot.pool.query('UPDATE releases SET digest = NULL WHERE job_id = $1', [value.job]);
    const text = await refusedPress('dave', 'U0DAVE0004', staging, JSON.stringify(value), /never reported/);
    expect(text).toContain('/deploy checkout 1.6.0 to production');
  }, 60_000);

  it('refuses malformed, tampered and stale values clearly', async () => {
    const staging = latest('checkout 1.4.2 to staging: succeeded')!;
    const value = valueOf(staging);
    expect(await refusedPress('dave', 'U0DAVE0004', staging, 'not json', /does not name a release/)).toContain(
      'nothing was changed',
    );
    await refusedPress('dave', 'U0DAVE0004', staging, JSON.stringify({ ...value, digest: 'latest' }), /does not name/);
    const other = JSON.stringify({ ...value, digest: digestOf('9.9.9') });
    expect(await refusedPress('dave', 'U0DAVE0004', staging, other, /names sha256:/)).toContain('ran sha256:');
    const unknown = JSON.stringify({ ...value, job: 'deploy-0000000000000000' });
    await refusedPress('dave', 'U0DAVE0004', staging, unknown, /has no record/);
    const stale = JSON.stringify({ ...value, to: 'qa' });
    await refusedPress('dave', 'U0DAVE0004', staging, stale, /older message|no environment|not deployed/);
    const refusals = await auditRows(stack, "action = 'button.deploy_promote' AND decision = 'refused'");
    expect(refusals.length).toBeGreaterThanOrEqual(5);
  });

  it('asks for nothing when production already runs that release by its tag: the pods run the same digest', async () => {
    await stack.slack.command('bob', '/deploy checkout 1.7.0 to production --reason "typed, by tag"');
    const typed = await approvalMessage(stack, '1.7.0');
    await stack.slack.click('carol', { messageTs: typed.ts, actionId: 'approval_approve' });
    await settled('checkout 1.7.0 to production: succeeded');
    expect(currentImage(stack, 'prod')).toBe(`${IMAGE}:1.7.0`);
    const requests = await productionRequests();
    const patches = realPatches(stack, 'prod').length;

    const staging = await deployToStaging('1.7.0');
    await stack.slack.click('dave', { messageTs: staging.ts, actionId: 'deploy_promote' });
    const short = `${digestOf('1.7.0').slice(0, 15)}…`;
    expect(await answerTo('U0DAVE0004', /already running/)).toContain(
      `checkout is already running 1.7.0 (${short}) in production: its pods run that digest; nothing to do.`,
    );
    expect(await productionRequests()).toBe(requests);
    expect(realPatches(stack, 'prod').length).toBe(patches);
    expect(currentImage(stack, 'prod')).toBe(`${IMAGE}:1.7.0`);
  }, 60_000);
});

describe('Promote during a production freeze', () => {
  beforeAll(async () => {
    stack = await startStack({ catalogYaml: testCatalog({ required: 1, freezeToday: true, breakGlass: false }) });
    seedCheckout(stack, '1.0.0');
  });

  afterAll(async () => stack.close());

  // With a break-glass policy the press opens the break-glass form instead (break-glass-buttons.test.ts).
  it('is refused by production’s gate when nothing can override the freeze', async () => {
    const staging = await deployToStaging('2.0.0');
    const text = await refusedPress('dave', 'U0DAVE0004', staging, promoteButtonOf(staging)!.value, /launch-week/);
    expect(text).toContain('production changes are refused');
    expect(text).toContain('no break-glass policy, so nothing can override the freeze');
    expect(stack.sim.callsTo('views.open')).toHaveLength(0);
    expect(currentImage(stack, 'prod')).toBe(`${IMAGE}:1.0.0`);
  }, 60_000);
});

describe('Promote while PostgreSQL is down', () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    const postgres = new URL(POSTGRES_URL);
    proxy = new TcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    const url = new URL(databaseUrl(uniqueName('opsbot_test')));
    url.port = String(await proxy.start());
    stack = await startStack({ catalogYaml: testCatalog({ required: 1 }), databaseUrl: url.toString() });
    seedCheckout(stack, '1.0.0');
  });
  afterAll(async () => {
    await proxy.start();
    await stack.close();
    await proxy.stop();
  });

  it('refuses, saying the release ledger cannot be read, and asks for nothing', async () => {
    const staging = await deployToStaging('3.0.0');
    const { value } = promoteButtonOf(staging)!;
    const patches = realPatches(stack).length;
    await proxy.cut();
    await stack.slack.click('dave', { messageTs: staging.ts, actionId: 'deploy_promote', value });
    expect(await answerTo('U0DAVE0004', /release ledger/)).toContain('cannot read its release ledger right now');
    expect(realPatches(stack).length).toBe(patches);
    expect(await stack.bot.queues.queue('plan').getJobCounts()).toMatchObject({ waiting: 0, active: 0 });
  }, 60_000);
});
