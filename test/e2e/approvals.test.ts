import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  IMAGE,
  approvalMessage,
  auditRows,
  currentImage,
  ephemeralsTo,
  finalText,
  realPatches,
  seedCheckout,
} from '../support/approvals.ts';
import { testCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { totalJobs } from '../support/queue-totals.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Production needs 2 of @sre-leads (carol, frank) or U0ALICE001 (alice); bob and dave are engineers.
let stack: Stack;

const EXTRA_APPROVERS = Array.from({ length: 10 }, (_, index) => `U0APPR${String(index).padStart(4, '0')}`);

beforeAll(async () => {
  stack = await startStack({ catalogYaml: testCatalog() });
  seedCheckout(stack);
  // Ten more @sre-leads for the concurrency test, present before the bot first reads the group.
  const workspace = stack.sim.workspace;
  for (const [index, id] of EXTRA_APPROVERS.entries())
    workspace.users.set(id, { id, name: `approver${index}`, realName: `Approver ${index}`, tz: 'UTC' });
  workspace.groups.get('S0SRELEADS1')!.users.push(...EXTRA_APPROVERS);
  for (const channel of workspace.channels.values()) for (const id of EXTRA_APPROVERS) channel.members.add(id);
});

afterAll(async () => {
  await stack.close();
});

async function requestDeploy(as: string, version: string) {
  const answer = await stack.slack.command(as, `/deploy checkout ${version} to production --reason "test ${version}"`);
  expect(answer.json?.text).toMatch(/job `?plan-/);
  return approvalMessage(stack, version);
}

// Deployed and finished: the image is live and the deploy job has let go of the target.
async function deployedTo(version: string) {
  await eventually(() => expect(currentImage(stack)).toBe(`${IMAGE}:${version}`), { what: `production on ${version}` });
  await eventually(async () => expect(await stack.bot.queues.queue('deploy').getActiveCount()).toBe(0), {
    what: 'the deploy to finish',
  });
}

describe('a production deploy', () => {
  it('posts one approval request with the plan, the policy and buttons, mirrors it, and tells the requester it waits', async () => {
    const message = await requestDeploy('bob', '1.1.0');
    const rendered = JSON.stringify(message.blocks);
    expect(message.text).toContain('checkout production: 1.0.0 (rev 1) → 1.1.0, rolling, 3 replicas');
    expect(rendered).toContain('2 of @sre-leads, <@U0ALICE001>, not the requester, expires ');
    expect(rendered).toContain('approval_approve');
    expect(rendered).toContain('approval_reject');
    await eventually(() =>
      expect(
        stack.sim.workspace
          .channelMessages('C0APPROVALS')
          .some((mirror) => mirror.text.includes('checkout 1.1.0 to production')),
      ).toBe(true),
    );
    await eventually(() =>
      expect(
        ephemeralsTo(stack, 'U0BOB00002').some((call) => String(call.args.text).includes('Waiting for approval')),
      ).toBe(true),
    );
    expect(JSON.stringify(ephemeralsTo(stack, 'U0BOB00002').at(-1)?.args.blocks)).toContain('approval_cancel');
    expect(currentImage(stack)).toBe(`${IMAGE}:1.0.0`);
  });

  it('runs exactly once after the second distinct approval, by buttons', async () => {
    const message = await approvalMessage(stack, '1.1.0');
    await stack.slack.click('carol', { messageTs: message.ts, actionId: 'approval_approve' });
    expect(realPatches(stack)).toHaveLength(0);
    await stack.slack.click('alice', { messageTs: message.ts, actionId: 'approval_approve' });
    await deployedTo('1.1.0');
    const text = await finalText(stack, message, 'Approved by');
    expect(text).toContain('<@U0CAROL003>');
    expect(text).toContain('<@U0ALICE001>');
    await eventually(async () =>
      expect((await auditRows(stack, "action = 'deploy.result'")).map((row) => row.decision)).toEqual(['succeeded']),
    );
    expect(realPatches(stack)).toHaveLength(1);
  });

  it('runs once by reactions, and by one of each', async () => {
    const byReaction = await requestDeploy('bob', '1.2.0');
    await stack.slack.react('carol', { messageTs: byReaction.ts, reaction: 'white_check_mark' });
    await stack.slack.react('frank', { messageTs: byReaction.ts, reaction: 'heavy_check_mark' });
    await deployedTo('1.2.0');
    const mixed = await requestDeploy('bob', '1.3.0');
    await stack.slack.react('frank', { messageTs: mixed.ts, reaction: 'white_check_mark' });
    await stack.slack.click('alice', { messageTs: mixed.ts, actionId: 'approval_approve' });
    await deployedTo('1.3.0');
    await finalText(stack, mixed, 'Approved by');
    expect(realPatches(stack)).toHaveLength(3);
    // Two decisions at once make their message refreshes meet; the later one runs again, which is no error.
    const errors = stack.logs.lines().filter((line) => Number(line.level) >= 50 && line.kind === 'approval-message');
    expect(errors).toEqual([]);
  });

  it('never counts the requester, by button or reaction, and refuses people outside the approvers with an audited refusal', async () => {
    const message = await requestDeploy('carol', '1.4.0'); // carol is an engineer and in @sre-leads
    await stack.slack.click('carol', { messageTs: message.ts, actionId: 'approval_approve' });
    await stack.slack.react('carol', { messageTs: message.ts, reaction: 'white_check_mark' });
    await stack.slack.click('dave', { messageTs: message.ts, actionId: 'approval_approve' });
    await stack.slack.click('frank', { messageTs: message.ts, actionId: 'approval_approve' });
    await eventually(() =>
      expect(
        ephemeralsTo(stack, 'U0CAROL003').filter((call) =>
          String(call.args.text).includes('you cannot approve or reject it yourself'),
        ),
      ).toHaveLength(2),
    );
    await eventually(() =>
      expect(
        ephemeralsTo(stack, 'U0DAVE0004').some((call) => String(call.args.text).includes('You are not an approver')),
      ).toBe(true),
    );
    const refusals = await auditRows(stack, "event = 'approve' AND decision = 'refused'");
    expect(refusals.map((row) => [row.actor, (row.details as { code: string }).code])).toEqual(
      expect.arrayContaining([
        ['U0CAROL003', 'self_approval'],
        ['U0DAVE0004', 'not_approver'],
      ]),
    );
    expect(currentImage(stack)).toBe(`${IMAGE}:1.3.0`);
    await finalText(stack, message, 'Approved so far by <@U0FRANK006>');
    await stack.slack.click('alice', { messageTs: message.ts, actionId: 'approval_approve' });
    await deployedTo('1.4.0');
  });

  it('ends at one rejection; later clicks and reactions change nothing and are answered', async () => {
    const message = await requestDeploy('bob', '1.5.0');
    const staleBlocks = structuredClone(message.blocks);
    await stack.slack.click('carol', { messageTs: message.ts, actionId: 'approval_approve' });
    // A click is acknowledged before it is decided: wait for carol's approval before frank rejects.
    await finalText(stack, message, 'Approved so far by <@U0CAROL003>');
    await stack.slack.react('frank', { messageTs: message.ts, reaction: 'x' });
    const text = await finalText(stack, message, 'Rejected by <@U0FRANK006>');
    expect(text).toContain('Approved before that by <@U0CAROL003>');
    await stack.slack.click('alice', { messageTs: message.ts, actionId: 'approval_approve', staleBlocks });
    await stack.slack.react('alice', { messageTs: message.ts, reaction: 'white_check_mark' });
    await eventually(() =>
      expect(
        ephemeralsTo(stack, 'U0ALICE001').filter((call) => String(call.args.text).includes('already rejected')),
      ).toHaveLength(2),
    );
    expect(JSON.stringify(stack.sim.workspace.messageByTs(message.ts)!.blocks)).not.toContain('approval_approve');
    expect(currentImage(stack)).toBe(`${IMAGE}:1.4.0`);
  });

  it('lets the requester cancel from their private note', async () => {
    await requestDeploy('bob', '1.6.0');
    const note = await eventually(() => {
      const found = stack.sim.workspace.ephemerals.find(
        (message) =>
          message.user === 'U0BOB00002' &&
          message.text.includes('Waiting for approval') &&
          message.text.includes('1.6.0') === false &&
          JSON.stringify(message.blocks).includes('1.6.0'),
      );
      if (!found) throw new Error('no waiting note');
      return found;
    });
    await stack.slack.click('bob', { messageTs: note.ts, actionId: 'approval_cancel' });
    const message = await approvalMessage(stack, '1.6.0');
    await finalText(stack, message, 'Cancelled by <@U0BOB00002>');
    await eventually(async () =>
      expect(
        (await auditRows(stack, "event = 'cancel' AND action = 'deploy.approval'")).map((row) => row.decision),
      ).toContain('cancelled'),
    );
  });

  it('cancels a request awaiting approval with /ops cancel <plan job>, and nothing runs', async () => {
    const answer = await stack.slack.command('bob', '/deploy checkout 1.6.5 to production');
    const jobId = /plan-[0-9a-f]{16}/.exec(String(answer.json?.text))![0];
    const message = await approvalMessage(stack, '1.6.5');
    const refused = await stack.slack.command('guest', `/ops cancel ${jobId}`);
    expect(refused.json?.text).toContain(`You may not cancel \`${jobId}\`: only <@U0BOB00002> (who asked)`);
    const cancelled = await stack.slack.command('bob', `/ops cancel ${jobId}`);
    expect(cancelled.json?.text).toContain('Cancelled the approval request. Nothing was changed.');
    await finalText(stack, message, 'Cancelled by <@U0BOB00002>');
    // The plan job completed when it posted the request; /ops status says what became of the request.
    const status = await stack.slack.command('bob', `/ops status ${jobId}`);
    expect(String(status.json?.text)).toContain(`Job ${jobId}: request cancelled`);
    const recent = await stack.slack.command('bob', '/ops status');
    expect(JSON.stringify(recent.json)).toContain('request cancelled');
  });

  it('still settles a request whose message someone deleted: the refresh skips it and still updates the mirror', async () => {
    const answer = await stack.slack.command('bob', '/deploy checkout 1.6.7 to production');
    const jobId = /plan-[0-9a-f]{16}/.exec(String(answer.json?.text))![0];
    const message = await approvalMessage(stack, '1.6.7');
    stack.sim.workspace.messageByTs(message.ts)!.deleted = true;
    const cancelled = await stack.slack.command('bob', `/ops cancel ${jobId}`);
    expect(cancelled.json?.text).toContain('Cancelled the approval request.');
    await eventually(
      () =>
        expect(
          stack.sim.calls.some(
            (call) =>
              call.method === 'chat.update' && call.args.ts === message.ts && call.error === 'message_not_found',
          ),
        ).toBe(true),
      { what: 'the refresh to find the message gone' },
    );
    await eventually(
      async () => {
        const failed = await stack.bot.queues.queue('approval-message').getFailed();
        expect(failed.map((job) => job.failedReason)).not.toContainEqual(expect.stringContaining('message_not_found'));
        expect(
          (await stack.bot.queues.queue('approval-message').getActiveCount()) +
            (await stack.bot.queues.queue('approval-message').getWaitingCount()) +
            (await stack.bot.queues.queue('approval-message').getDelayedCount()),
        ).toBe(0);
      },
      { what: 'the refresh to complete without retrying' },
    );
    await eventually(
      () =>
        expect(
          stack.sim.workspace
            .channelMessages('C0APPROVALS')
            .some(
              (mirror) =>
                mirror.text.includes('1.6.7') && JSON.stringify(mirror.blocks).includes('Cancelled by <@U0BOB00002>'),
            ),
        ).toBe(true),
      { what: 'the mirror to show the cancellation' },
    );
  });

  it('withdraws a ✅ when it is removed before the threshold', async () => {
    const message = await requestDeploy('bob', '1.7.0');
    await stack.slack.react('carol', { messageTs: message.ts, reaction: 'white_check_mark' });
    await finalText(stack, message, 'Approved so far by <@U0CAROL003>');
    await stack.slack.react('carol', { messageTs: message.ts, reaction: 'white_check_mark', removed: true });
    await finalText(stack, message, 'Approved so far by nobody');
    await stack.slack.click('alice', { messageTs: message.ts, actionId: 'approval_approve' });
    await finalText(stack, message, 'Approved so far by <@U0ALICE001>');
    expect(currentImage(stack)).toBe(`${IMAGE}:1.4.0`);
    await stack.slack.react('carol', { messageTs: message.ts, reaction: 'x' });
    await finalText(stack, message, 'Rejected by <@U0CAROL003>');
  });

  it('does not run a plan whose target changed between approval and execution', async () => {
    const message = await requestDeploy('bob', '1.8.0');
    // Someone else changes production meanwhile.
    stack.kube.prod.store.update({
      ...stack.kube.prod.deployment('shop', 'checkout')!,
      spec: {
        ...stack.kube.prod.deployment('shop', 'checkout')!.spec,
        template: {
          metadata: { labels: { app: 'checkout' } },
          spec: { containers: [{ name: 'app', image: `${IMAGE}:1.4.1-hotfix` }] },
        },
      },
    });
    stack.kube.prod.controller.deploymentChanged('shop', 'checkout');
    await stack.slack.click('carol', { messageTs: message.ts, actionId: 'approval_approve' });
    await stack.slack.click('frank', { messageTs: message.ts, actionId: 'approval_approve' });
    await eventually(async () =>
      expect(
        (await auditRows(stack, "action = 'deploy.result' AND decision = 'refused'")).map((row) => row.reason),
      ).toEqual([expect.stringContaining('target changed since the plan: now 1.4.1-hotfix')]),
    );
    await eventually(() =>
      expect(
        ephemeralsTo(stack, 'U0BOB00002').some((call) =>
          String(call.args.text).includes('changed since this was planned and approved'),
        ),
      ).toBe(true),
    );
    expect(currentImage(stack)).toBe(`${IMAGE}:1.4.1-hotfix`);
    await eventually(async () => expect(await stack.bot.queues.queue('deploy').getActiveCount()).toBe(0));
  });
});

describe('many people at once', () => {
  it('turns 50 concurrent clicks and reactions from 10 approvers into exactly one job', async () => {
    const approvers = EXTRA_APPROVERS;
    const jobsBefore = await totalJobs(stack.bot);
    const message = await requestDeploy('bob', '2.0.0');
    await Promise.all(
      approvers.flatMap((_, index) =>
        [0, 1, 2, 3, 4].map((attempt) =>
          attempt % 2 === 0
            ? stack.slack.click(`approver${index}`, { messageTs: message.ts, actionId: 'approval_approve' })
            : stack.slack.react(`approver${index}`, {
                messageTs: message.ts,
                reaction: attempt === 1 ? 'white_check_mark' : 'heavy_check_mark',
              }),
        ),
      ),
    );
    await deployedTo('2.0.0');
    await finalText(stack, message, 'Approved by');
    const starts = await auditRows(stack, "action = 'deploy.start' AND (details->>'to') = $1", [`${IMAGE}:2.0.0`]);
    expect(starts).toHaveLength(1);
    const deployJobs = (
      await stack.bot.queues.queue('deploy').getJobs(['completed', 'failed', 'active', 'waiting'])
    ).filter((job) => JSON.stringify(job.data).includes(`${IMAGE}:2.0.0`));
    expect(deployJobs).toHaveLength(1);
    expect(realPatches(stack).filter((patch) => JSON.stringify(patch.body).includes('2.0.0'))).toHaveLength(1);
    expect(await totalJobs(stack.bot)).toBeGreaterThan(jobsBefore);
  });
});

describe('staging', () => {
  it('needs no approval: the deploy runs at once', async () => {
    await stack.slack.command('bob', '/deploy checkout 1.1.0 to staging');
    await eventually(() => expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.1.0`));
    await eventually(() =>
      expect(
        stack.sim.workspace
          .channelMessages('C0DEPLOYS01')
          .some((message) => message.text.includes('checkout 1.1.0 to staging: succeeded')),
      ).toBe(true),
    );
  });
});
