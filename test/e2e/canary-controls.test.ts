import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { auditRows } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';
import type { SimMessage } from '../../src/sandbox/slack/workspace.ts';

const SEARCH = 'registry.example.com/shop/search';
const CAROL = 'U0CAROL003';
const BOB = 'U0BOB00002';
const ERIN = 'U0ERIN0005';
let stack: Stack;

// Holds are an hour where only a button may move the canary on; `pausey` holds a few seconds, so
// that a hold that kept counting while paused would be seen moving on.
const CATALOG = `environments:
  staging:
    context: staging
services:
  search:
    namespace: shop
    deployment: search
    container: api
    image: ${SEARCH}
    strategy: canary
    canary: { steps: [10, 25, 50, 100], hold: 1h }
    environments: [staging]
    timeout: 10m
  pausey:
    namespace: shop
    deployment: pausey
    container: api
    image: ${SEARCH}
    strategy: canary
    canary: { steps: [20, 60, 100], hold: 6s }
    environments: [staging]
    timeout: 10m
  queue:
    namespace: shop
    deployment: queue
    container: api
    image: ${SEARCH}
    strategy: canary
    canary: { steps: [25, 100], hold: 1h }
    environments: [staging]
    timeout: 10m
roles:
  deploy: ["@engineers"]
  rollback: ["@oncall"]
  admin: ["@eng-leads"]
`;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG });
  // Real seconds for progress deadlines: the simulator times a scaled-up canary's progress from its
  // last rollout, so a long pause at the test's fast clock would read as a stuck rollout.
  stack.kube.staging.controller.setTiming({ secondMs: 1_000 });
  for (const [name, replicas] of [
    ['search', 10],
    ['pausey', 5],
    ['queue', 4],
  ] as const)
    stack.kube.staging.addDeployment({ namespace: 'shop', name, container: 'api', image: `${SEARCH}:2.0.0`, replicas });
});

afterAll(async () => {
  await stack.close();
});

function progress(service: string): SimMessage | undefined {
  return stack.sim.workspace
    .channelMessages('C0DEPLOYS01')
    .find((message) => message.text.startsWith(`${service} 2.1.0 to staging:`));
}

const shown = (message: SimMessage | undefined) => JSON.stringify(message?.blocks ?? []);

// The progress message once it shows `words` (in its blocks), e.g. "canary step 2 of 4".
async function showing(service: string, ...words: string[]): Promise<SimMessage> {
  return eventually(
    () => {
      const message = progress(service);
      const missing = words.find((word) => !shown(message).includes(word));
      if (missing !== undefined) throw new Error(`no "${missing}" in: ${shown(message).slice(0, 600)}`);
      return message!;
    },
    { timeoutMs: 20_000, what: `${service} showing ${words.join(', ')}` },
  );
}

const canaryReplicas = (name: string) =>
  (stack.kube.staging.deployment('shop', `${name}-canary`)?.spec as { replicas: number } | undefined)?.replicas;
const stableImage = (name: string) =>
  (stack.kube.staging.deployment('shop', name)?.spec as { template: { spec: { containers: { image: string }[] } } })
    .template.spec.containers[0]?.image;

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

function buttonOf(message: SimMessage, actionId: string): Record<string, unknown> | undefined {
  for (const block of message.blocks as { elements?: Record<string, unknown>[] }[])
    for (const element of block.elements ?? []) if (element.action_id === actionId) return element;
  return undefined;
}

function jobOf(message: SimMessage): string {
  return /job `(deploy-[0-9a-f]+)`/.exec(shown(message))![1]!;
}

describe('Promote', () => {
  // The message's blocks as they were at the first step (the simulator updates messages in place).
  let atFirstStep: SimMessage;

  it('moves one step, and the message names who promoted it', async () => {
    await stack.slack.command('bob', '/deploy search 2.1.0 to staging');
    atFirstStep = structuredClone(
      await showing('search', 'canary step 1 of 4: 10%', 'holding until <!date^', 'Promote to 25 %'),
    );
    expect(canaryReplicas('search')).toBe(1);
    await stack.slack.click('carol', { messageTs: atFirstStep.ts, actionId: 'canary_promote' });
    await showing('search', 'canary step 2 of 4: 25%', `promoted to 25 % by <@${CAROL}>`, 'canary holding');
    await eventually(() => expect(canaryReplicas('search')).toBe(3));
    expect(stableImage('search')).toBe(`${SEARCH}:2.0.0`);
  });

  it('answers a press for a step already passed and changes nothing', async () => {
    const now = progress('search')!;
    await stack.slack.click('dave', {
      messageTs: now.ts,
      actionId: 'canary_promote',
      staleBlocks: atFirstStep.blocks as unknown[],
    });
    expect(await answerTo('U0DAVE0004', /That Promote was shown/)).toContain(
      'That Promote was shown at step 1 (10 %); the canary is at step 2 (25 %) now. Nothing was changed.',
    );
    expect(canaryReplicas('search')).toBe(3);
    expect(shown(progress('search'))).toContain('canary step 2 of 4: 25%');
  });

  it('moves one step only when pressed twice at once', async () => {
    const now = await showing('search', 'canary step 2 of 4', 'Promote to 50 %');
    await Promise.all([
      stack.slack.click('bob', { messageTs: now.ts, actionId: 'canary_promote' }),
      stack.slack.click('erin', { messageTs: now.ts, actionId: 'canary_promote' }),
    ]);
    await showing('search', 'canary step 3 of 4: 50%', 'canary holding', 'Promote to 100 %');
    const answers = [await answerTo(BOB, /romot/), await answerTo(ERIN, /romot/)];
    expect(answers.filter((text) => text.startsWith('Promoting the canary from 25 % to 50 %'))).toHaveLength(1);
    expect(answers.filter((text) => /already promoted it from 25 %|shown at step 2/.test(text))).toHaveLength(1);
    expect(canaryReplicas('search')).toBe(5);
    const rows = await auditRows(stack, "action = 'deploy.canary-promote'");
    expect(rows.filter((row) => row.decision === 'requested')).toHaveLength(2);
  });

  it('to 100 % asks first, then skips the remaining steps, rolls stable and names who did it', async () => {
    const now = await showing('search', 'canary step 3 of 4', 'Promote to 100 %');
    // At 50 % the next step would be 100 %: only the button that asks is offered.
    expect(buttonOf(now, 'canary_promote')).toBeUndefined();
    expect(buttonOf(now, 'canary_promote_all')?.confirm).toMatchObject({
      title: { text: 'Promote to 100 %?' },
      confirm: { text: 'Promote to 100 %' },
    });
    await stack.slack.click('bob', { messageTs: now.ts, actionId: 'canary_promote_all' });
    const done = await eventually(
      () => {
        const message = progress('search');
        if (!message?.text.startsWith('search 2.1.0 to staging: succeeded')) throw new Error(`says: ${message?.text}`);
        return message;
      },
      { timeoutMs: 20_000 },
    );
    expect(shown(done)).toContain(`promoted to 100 % by <@${BOB}>`);
    expect(shown(done)).toContain(`promoted to 25 % by <@${CAROL}>`);
    expect(stableImage('search')).toBe(`${SEARCH}:2.1.0`);
    expect(stack.kube.staging.deployment('shop', 'search-canary')).toBeUndefined();
  });

  it('offers Promote to 100 % from the first step too', async () => {
    expect(buttonOf(atFirstStep, 'canary_promote_all')).toBeDefined();
    expect(buttonOf(atFirstStep, 'canary_promote')?.text).toMatchObject({ text: 'Promote to 25 %' });
  });
});

describe('Pause and Resume', () => {
  it('a paused canary holds its step past the end of its hold; Resume lets it go on', async () => {
    await stack.slack.command('bob', '/deploy pausey 2.1.0 to staging');
    const holding = structuredClone(await showing('pausey', 'canary step 1 of 3: 20%', 'holding until <!date^'));
    const until = Number(/holding until <!date\^(\d+)\^/.exec(shown(holding))![1]) * 1000;
    await stack.slack.click('erin', { messageTs: holding.ts, actionId: 'canary_pause' });
    const paused = await showing('pausey', `*Paused* by <@${ERIN}>`, 'canary_resume', `paused at 20 % by <@${ERIN}>`);
    expect(buttonOf(paused, 'canary_pause')).toBeUndefined();
    // Until well after the hold would have ended, the canary stays at its first step.
    await eventually(
      () => {
        expect(canaryReplicas('pausey')).toBe(1);
        expect(shown(progress('pausey'))).toContain('canary step 1 of 3: 20%');
        expect(shown(progress('pausey'))).toContain('*Paused*');
        if (Date.now() < until + 3_000) throw new Error('the hold would not have ended yet');
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await stack.slack.click('carol', {
      messageTs: paused.ts,
      actionId: 'canary_pause',
      staleBlocks: holding.blocks as unknown[],
    });
    expect(await answerTo(CAROL, /paused it already/)).toContain(`<@${ERIN}> paused it already; it holds at 20 %.`);
    await stack.slack.click('bob', { messageTs: paused.ts, actionId: 'canary_resume' });
    await showing('pausey', 'canary step 2 of 3: 60%', `resumed at 20 % by <@${BOB}>`);
    await eventually(() => expect(canaryReplicas('pausey')).toBe(3));
  });

  it('Abort names who pressed it', async () => {
    const now = await showing('pausey', 'canary step 2 of 3', 'canary_abort');
    await stack.slack.click('carol', { messageTs: now.ts, actionId: 'canary_abort' });
    const aborted = await eventually(
      () => {
        const message = progress('pausey');
        if (!message?.text.startsWith('pausey 2.1.0 to staging: canary aborted')) throw new Error(`${message?.text}`);
        return message;
      },
      { timeoutMs: 20_000 },
    );
    expect(shown(aborted)).toContain(`aborted at 60 % by <@${CAROL}>`);
    expect(canaryReplicas('pausey')).toBe(0);
    expect(stableImage('pausey')).toBe(`${SEARCH}:2.0.0`);
    const rows = await auditRows(
      stack,
      "action IN ('deploy.canary-pause', 'deploy.canary-resume', 'deploy.canary-abort')",
    );
    expect(rows.map((row) => [row.action, row.actor, row.decision])).toEqual([
      ['deploy.canary-pause', ERIN, 'requested'],
      ['deploy.canary-pause', CAROL, 'duplicate'],
      ['deploy.canary-resume', BOB, 'requested'],
      ['deploy.canary-abort', CAROL, 'requested'],
    ]);
  });
});

describe('/rollback during a canary', () => {
  it('is refused, with --to or without, and the canary keeps running', async () => {
    await stack.slack.command('bob', '/deploy queue 2.1.0 to staging');
    const holding = await showing('queue', 'canary step 1 of 2: 25%', 'canary_abort');
    const job = jobOf(holding);
    for (const line of ['/rollback queue staging --to 1', '/rollback queue staging']) {
      const reply = await stack.slack.command('bob', line);
      expect(reply.json?.text).toContain(
        `queue has a canary in progress in staging (job \`${job}\`, at 25 %): abort it first with the Abort button or \`/ops cancel ${job}\`. Nothing was changed.`,
      );
    }
    expect(canaryReplicas('queue')).toBe(1);
    expect(await (await stack.bot.queues.queue('deploy').getJob(job))!.getState()).toBe('active');
    expect(shown(progress('queue'))).toContain('canary holding');
    expect(await auditRows(stack, "action LIKE 'rollback.%' AND decision <> 'refused'")).toEqual([]);
    await stack.slack.click('bob', { messageTs: holding.ts, actionId: 'canary_abort' });
    await eventually(() => expect(progress('queue')?.text).toMatch(/^queue 2.1.0 to staging: canary aborted/), {
      timeoutMs: 20_000,
    });
  });
});
