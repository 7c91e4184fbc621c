import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SimMessage } from '../../src/sandbox/slack/workspace.ts';
import {
  IMAGE,
  approvalMessage,
  auditRows,
  currentImage,
  finalText,
  realPatches,
  seedCheckout,
} from '../support/approvals.ts';
import { testCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Staging needs no approval; production needs 2 of @sre-leads (carol, frank) or U0ALICE001 (alice).
const BOB = 'U0BOB00002';
const CAROL = 'U0CAROL003';
const ALICE = 'U0ALICE001';
const DAVE = 'U0DAVE0004';
const CHANNEL = 'C0DEPLOYS01';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: testCatalog() });
  seedCheckout(stack);
});

afterAll(async () => {
  await stack.close();
});

function progressMessage(version: string, env: string): SimMessage | undefined {
  return stack.sim.workspace
    .channelMessages(CHANNEL)
    .find((message) => !message.threadTs && message.text.startsWith(`checkout ${version} to ${env}:`));
}

async function ended(version: string, env: string, outcome: string): Promise<SimMessage> {
  return eventually(
    () => {
      const message = progressMessage(version, env);
      if (!message?.text.startsWith(`checkout ${version} to ${env}: ${outcome}`))
        throw new Error(`message: ${message?.text}`);
      return message;
    },
    { timeoutMs: 20_000, what: `checkout ${version} to ${env} ${outcome}` },
  );
}

// Replies in the thread of `parent` whose block_id starts with `marker` (outcome:, not-run:, superseded:).
function repliesMarked(parent: SimMessage, marker: string): SimMessage[] {
  return stack.sim.workspace
    .channelMessages(parent.channel)
    .filter(
      (reply) =>
        reply.threadTs === parent.ts &&
        (reply.blocks as { block_id?: string }[] | undefined)?.some((block) => block.block_id?.startsWith(marker)),
    );
}

async function changesIdle(): Promise<void> {
  await eventually(
    async () => {
      expect(await stack.bot.queues.queue('deploy').getActiveCount()).toBe(0);
      expect(await stack.bot.queues.queue('deploy').getWaitingCount()).toBe(0);
    },
    { timeoutMs: 20_000, what: 'no deploy running' },
  );
}

// Exactly one outcome reply, once the change has let go of its target.
async function theOutcomeReply(parent: SimMessage): Promise<SimMessage> {
  await eventually(() => expect(repliesMarked(parent, 'outcome:').length).toBeGreaterThan(0), {
    what: 'the outcome reply',
  });
  await changesIdle();
  const replies = repliesMarked(parent, 'outcome:');
  expect(replies).toHaveLength(1);
  return replies[0]!;
}

describe('people are told how a change ended', () => {
  it('a deploy that succeeded: one reply @-mentions the requester; the message text says succeeded', async () => {
    await stack.slack.command('bob', '/deploy checkout 1.1.0 to staging');
    const message = await ended('1.1.0', 'staging', 'succeeded');
    const reply = await theOutcomeReply(message);
    expect(reply.text).toContain(`<@${BOB}>`);
    expect(reply.text).toContain('*succeeded*');
    expect(reply.text).toMatch(/job `deploy-[0-9a-f]+`/);
    const results = await auditRows(stack, "action = 'deploy.result' AND target = 'checkout/staging'");
    expect(results.map((row) => row.decision)).toEqual(['succeeded']);
  });

  it('a deploy that was cancelled: one reply says cancelled and mentions the requester', async () => {
    stack.kube.staging.failImage(`${IMAGE}:1.2.0-slow`, 'NeverReady');
    await stack.slack.command('bob', '/deploy checkout 1.2.0-slow to staging');
    await eventually(() => expect(progressMessage('1.2.0-slow', 'staging')?.text).toContain('rolling out'));
    await stack.slack.click('bob', {
      messageTs: progressMessage('1.2.0-slow', 'staging')!.ts,
      actionId: 'deploy_cancel',
    });
    const message = await ended('1.2.0-slow', 'staging', 'cancelled');
    const reply = await theOutcomeReply(message);
    expect(reply.text).toContain(`<@${BOB}>`);
    expect(reply.text).toContain('cancelled');
  });

  it('a rollback: one reply @-mentions who asked for it, and says rolled back', async () => {
    // The cancelled deploy above put 1.1.0 back, so the rollback goes to the first version.
    await stack.slack.command('carol', '/rollback checkout staging --to 1.0.0 --reason "slow pods"');
    const message = await eventually(
      () => {
        const found = stack.sim.workspace
          .channelMessages(CHANNEL)
          .find((candidate) => candidate.text.startsWith('checkout rollback to 1.0.0 in staging: rolled back'));
        if (!found) throw new Error('not rolled back yet');
        return found;
      },
      { timeoutMs: 20_000, what: 'the rollback to finish' },
    );
    const reply = await theOutcomeReply(message);
    expect(reply.text).toContain(`<@${CAROL}>`);
    expect(reply.text).toContain('rollback of *checkout* to `1.0.0` in *staging*: *rolled back*');
    expect(reply.text).toMatch(/job `rollback-[0-9a-f]+`/);
  });
});

describe('an approved change refused when it came to run', () => {
  it('updates the approval message to "Approved, not run: why", drops its buttons and tells the approvers', async () => {
    await stack.slack.command('bob', '/deploy checkout 1.3.0 to production');
    const request = await approvalMessage(stack, '1.3.0');
    // Someone changes production by hand while the request waits.
    const deployment = stack.kube.prod.deployment('shop', 'checkout')!;
    stack.kube.prod.store.update({
      ...deployment,
      spec: {
        ...deployment.spec,
        template: {
          metadata: { labels: { app: 'checkout' } },
          spec: { containers: [{ name: 'app', image: `${IMAGE}:1.0.1-hotfix` }] },
        },
      },
    });
    stack.kube.prod.controller.deploymentChanged('shop', 'checkout');
    await stack.slack.click('carol', { messageTs: request.ts, actionId: 'approval_approve' });
    await stack.slack.click('alice', { messageTs: request.ts, actionId: 'approval_approve' });
    const text = await finalText(stack, request, 'Approved, not run:');
    expect(text).toContain('changed since this was planned and approved: it now runs 1.0.1-hotfix');
    expect(JSON.stringify(stack.sim.workspace.messageByTs(request.ts)!.blocks)).not.toContain('approval_approve');
    await eventually(() => expect(repliesMarked(request, 'not-run:')).toHaveLength(1));
    const [told] = repliesMarked(request, 'not-run:');
    for (const person of [BOB, CAROL, ALICE]) expect(told!.text).toContain(`<@${person}>`);
    expect(told!.text).toContain('Approved, not run: checkout in production changed since');
    // No progress message was posted, nothing was patched, and the audit log says the same.
    expect(progressMessage('1.3.0', 'production')).toBeUndefined();
    expect(realPatches(stack)).toHaveLength(0);
    const notRun = await auditRows(stack, "action = 'deploy.approval' AND event = 'not-run'");
    expect(notRun.map((row) => row.reason)).toEqual([expect.stringContaining('Approved, not run: checkout in')]);
    await changesIdle();
    expect(repliesMarked(request, 'not-run:')).toHaveLength(1);
  });
});

describe('a waiting request overtaken by another change', () => {
  it('is marked superseded without buttons when the other change starts; the failed change tells everyone once', async () => {
    stack.kube.prod.failImage(`${IMAGE}:1.5.0-broken`, 'ImagePullBackOff');
    await stack.slack.command('bob', '/deploy checkout 1.4.0 to production');
    const waiting = await approvalMessage(stack, '1.4.0');
    const staleBlocks = structuredClone(waiting.blocks);
    // One change of a target is planned at a time: dave asks once bob's plan has let go of it.
    await eventually(async () => {
      const answer = await stack.slack.command('dave', '/deploy checkout 1.5.0-broken to production');
      expect(answer.json?.text).not.toContain('being planned');
    });
    const approved = await approvalMessage(stack, '1.5.0-broken');
    await stack.slack.click('carol', { messageTs: approved.ts, actionId: 'approval_approve' });
    await stack.slack.click('alice', { messageTs: approved.ts, actionId: 'approval_approve' });

    const superseded = await finalText(stack, waiting, 'Superseded:');
    expect(superseded).toMatch(
      /Superseded: the rolling deploy of checkout 1\.5\.0-broken to production by <@U0DAVE0004>/,
    );
    expect(JSON.stringify(stack.sim.workspace.messageByTs(waiting.ts)!.blocks)).not.toContain('approval_approve');
    await eventually(() => expect(repliesMarked(waiting, 'superseded:')).toHaveLength(1));
    expect(repliesMarked(waiting, 'superseded:')[0]!.text).toContain(`<@${BOB}>`);

    const message = await ended('1.5.0-broken', 'production', 'failed and rolled back');
    const reply = await theOutcomeReply(message);
    for (const person of [DAVE, CAROL, ALICE]) expect(reply.text).toContain(`<@${person}>`);
    expect(reply.text).toContain('*failed and rolled back*');
    expect(currentImage(stack)).toBe(`${IMAGE}:1.0.1-hotfix`);
    // The superseded request can no longer be approved into running.
    await stack.slack.click('frank', {
      messageTs: waiting.ts,
      actionId: 'approval_approve',
      staleBlocks,
    });
    await stack.slack.click('carol', {
      messageTs: waiting.ts,
      actionId: 'approval_approve',
      staleBlocks,
    });
    await changesIdle();
    expect(progressMessage('1.4.0', 'production')).toBeUndefined();
    const supersede = await auditRows(stack, "action = 'deploy.approval' AND event = 'supersede'");
    expect(supersede).toHaveLength(1);
  });
});
