import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/eventually.ts';
import { metricValue, metricsText, totalJobs } from '../support/queue-totals.ts';
import { startStack, type Stack } from '../support/stack.ts';

// Signed requests dated too far either way, and 429 storms waited out once: the bot's production
// Web API retry policy (its backoff is what used to stack on Retry-After).
const CATALOG = `environments:
  staging:
    context: staging
services:
  checkout:
    namespace: shop
    deployment: checkout
    container: app
    image: registry.example.com/shop/checkout
    environments: [staging]
    timeout: 1m
roles:
  deploy: ["@engineers"]
`;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG, slackRetry: 'production', progressIntervalMs: 60_000 });
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'checkout',
    container: 'app',
    image: 'registry.example.com/shop/checkout:1.0.0',
    replicas: 2,
  });
});

afterAll(async () => {
  await stack.close();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function auditRowsOf(actor: string) {
  return (await stack.bot.pool.query('SELECT * FROM audit_events WHERE actor = $1', [actor])).rows;
}

async function unverifiedCount(): Promise<number> {
  return metricValue(await metricsText(stack.bot), 'opsbot_slack_requests_total', { kind: 'unverified' });
}

describe('request timestamps, both ways', () => {
  it('refuses a correctly signed request dated 10 minutes ahead with 401: no job, no audit row, counted, logged', async () => {
    const callsBefore = stack.sim.calls.length;
    const jobsBefore = await totalJobs(stack.bot);
    const rejectedBefore = await unverifiedCount();

    const future = await stack.slack.command('erin', '/ops whoami', { timestamp: nowSeconds() + 10 * 60 });

    expect(future.status).toBe(401);
    expect(await unverifiedCount()).toBe(rejectedBefore + 1);
    expect(stack.logs.text()).toContain('rejected a Slack request: timestamp more than 5 minutes in the future');
    // Give a wrongly accepted request the time an accepted one takes to be audited and run.
    const accepted = await stack.slack.command('alice', '/ops whoami', { timestamp: nowSeconds() });
    expect(accepted.status).toBe(200);
    await eventually(async () => expect(await auditRowsOf('U0ALICE001')).not.toHaveLength(0));
    expect(await auditRowsOf('U0ERIN0005')).toHaveLength(0);
    expect(await totalJobs(stack.bot)).toBe(jobsBefore + 1);
    expect(stack.sim.calls.slice(callsBefore).some((call) => call.args.user === 'U0ERIN0005')).toBe(false);
  });

  it('accepts a request dated 4 minutes ahead (inside the allowed skew)', async () => {
    const jobsBefore = await totalJobs(stack.bot);
    const rejectedBefore = await unverifiedCount();

    const answer = await stack.slack.command('dave', '/ops whoami', { timestamp: nowSeconds() + 4 * 60 });

    expect(answer.status).toBe(200);
    expect(answer.json?.text).toContain('job whoami-');
    expect(await totalJobs(stack.bot)).toBe(jobsBefore + 1);
    await eventually(async () =>
      expect((await auditRowsOf('U0DAVE0004')).map((row) => row.decision)).toContain('accepted'),
    );
    expect(await unverifiedCount()).toBe(rejectedBefore);
  });

  it('still refuses a stale request (10 minutes old) with 401, counted', async () => {
    const jobsBefore = await totalJobs(stack.bot);
    const rejectedBefore = await unverifiedCount();

    const stale = await stack.slack.command('carol', '/ops whoami', { timestamp: nowSeconds() - 10 * 60 });

    expect(stale.status).toBe(401);
    expect(await unverifiedCount()).toBe(rejectedBefore + 1);
    expect(await totalJobs(stack.bot)).toBe(jobsBefore);
    expect(await auditRowsOf('U0CAROL003')).toHaveLength(0);
  });
});

describe('a 429 storm on chat.update', () => {
  it('waits each Retry-After once: the final message lands with one call per 429 plus one, no backoff on top', async () => {
    const STORM = 3;
    const RETRY_AFTER_S = 1;
    const seqBefore = stack.sim.lastSeq;
    stack.sim.fail('chat.update', { rateLimited: RETRY_AFTER_S }, STORM);

    const answer = await stack.slack.command('bob', '/deploy checkout 1.2.0 to staging');
    expect(answer.status).toBe(200);
    await eventually(
      () => {
        const message = stack.sim.workspace
          .channelMessages('C0DEPLOYS01')
          .find((candidate) => candidate.text.startsWith('checkout 1.2.0 to staging:'));
        expect(message?.text).toMatch(/^checkout 1\.2\.0 to staging: succeeded/);
      },
      { timeoutMs: 30_000, what: 'the final deploy message' },
    );

    const updates = stack.sim.callsSince(seqBefore).filter((call) => call.method === 'chat.update');
    const limited = updates.filter((call) => call.status === 429);
    const landed = updates.filter((call) => call.ok);
    expect(limited).toHaveLength(STORM);
    expect(landed).toHaveLength(1);
    expect(updates).toHaveLength(STORM + 1);
    // Each retry follows its 429 after Retry-After, not Retry-After plus the client's own backoff.
    for (let index = 1; index < updates.length; index += 1) {
      const gap = updates[index]!.at - updates[index - 1]!.at;
      expect(gap).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 50);
      expect(gap).toBeLessThan(RETRY_AFTER_S * 1000 + 1000);
    }
  });
});
