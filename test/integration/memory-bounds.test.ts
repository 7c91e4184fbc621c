import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { LocalChannelPacer } from '../../src/adapters/channel-pacer.ts';
import { createLogger } from '../../src/adapters/log.ts';
import { createMetrics } from '../../src/adapters/metrics.ts';
import { SlackDirectory } from '../../src/adapters/slack-directory.ts';
import { SlackGateway } from '../../src/adapters/slack.ts';
import { SANDBOX_WORKSPACE } from '../../src/sandbox/slack/fixtures.ts';
import { signSlackRequest } from '../../src/sandbox/slack/signing.ts';
import { SlackSimulator } from '../../src/sandbox/slack/simulator.ts';
import { SIGNING_SECRET, startStack, type Stack } from '../support/stack.ts';

// Every in-process cache keyed by something from outside has a bound: many distinct keys (groups,
// channels, request names) leave it at its bound, not growing with them.
describe('the user-group directory', () => {
  const groups = Array.from({ length: 40 }, (_, index) => ({
    id: `S0BOUND${String(index).padStart(4, '0')}`,
    handle: `team-${index}`,
    name: `Team ${index}`,
    users: [`U0MEMBER${index}`],
  }));
  const sim = new SlackSimulator({ seed: { ...SANDBOX_WORKSPACE, groups: [...SANDBOX_WORKSPACE.groups, ...groups] } });

  beforeAll(() => sim.start());
  afterAll(() => sim.stop());

  it('keeps the members of at most maxGroups groups, and still answers for the ones it let go', async () => {
    const slack = new SlackGateway({
      token: sim.token,
      apiUrl: sim.apiUrl,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      retry: 'rapid',
    });
    const directory = new SlackDirectory(slack, { maxGroups: 10 });
    for (const group of groups) expect((await directory.membersOf(group.handle))?.has(group.users[0]!)).toBe(true);
    expect(directory.cachedGroups).toBe(10);
    const identity = await directory.identify('U0MEMBER0', ['team-0', 'team-39']);
    expect([...identity.groups]).toEqual(['team-0']);
    expect(directory.cachedGroups).toBe(10);
  });
});

describe('the in-process channel pacer', () => {
  it('keeps at most maxChannels channels, and a busy channel keeps its pace among many quiet ones', async () => {
    const pacer = new LocalChannelPacer({ maxChannels: 100, burst: 1, intervalMs: 60_000 });
    expect(await pacer.reserve('C0BUSY')).toBe(0);
    for (let index = 0; index < 5_000; index += 1) {
      await pacer.reserve(`C0QUIET${index}`);
      if (index % 50 === 0) await pacer.reserve('C0BUSY');
    }
    expect(pacer.channels).toBe(100);
    expect(await pacer.reserve('C0BUSY')).toBeGreaterThan(60_000);
  });
});

describe('metric labels of Slack requests', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('name at most 100 interactions however many unknown action ids arrive; the rest are "other"', async () => {
    for (let index = 0; index < 150; index += 1) {
      const payload = {
        type: 'block_actions',
        user: { id: `U0RANDOM${index}`, team_id: 'T0SANDBOX1' },
        team: { id: 'T0SANDBOX1' },
        channel: { id: 'C0DEPLOYS01' },
        container: { message_ts: '1.000001', channel_id: 'C0DEPLOYS01' },
        actions: [{ action_id: `made_up_${randomBytes(4).toString('hex')}`, action_ts: '1.2' }],
      };
      const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
      const headers = {
        'content-type': 'application/x-www-form-urlencoded',
        ...signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000)),
      };
      const answer = await fetch(`${stack.bot.url}/slack/events`, { method: 'POST', headers, body });
      expect(answer.status).toBe(200);
    }
    const metrics = await (await fetch(`${stack.bot.url}/metrics`)).text();
    const names = new Set(
      metrics
        .split('\n')
        .filter((line) => line.startsWith('opsbot_slack_ack_seconds_count'))
        .map((line) => /name="([^"]*)"/.exec(line)?.[1]),
    );
    expect(names.size).toBeLessThanOrEqual(101); // 100 names and "other"
    expect(names.has('other')).toBe(true);
    expect(metrics).not.toContain('U0RANDOM');
  });
});
