import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LogLevel, WebClient, WebAPIPlatformError, retryPolicies } from '@slack/web-api';
import { SlackSimulator } from '../../src/sandbox/slack/simulator.ts';

// The simulator speaks the Web API well enough for the real client: these tests drive
// @slack/web-api against it, as the bot does.
const sim = new SlackSimulator({ token: 'xoxb-sim' });
let client: WebClient;

beforeAll(async () => {
  await sim.start();
  client = new WebClient('xoxb-sim', {
    slackApiUrl: sim.apiUrl,
    retryConfig: { ...retryPolicies.rapidRetryPolicy, retries: 3 },
    logLevel: LogLevel.ERROR,
  });
});

afterAll(async () => {
  await sim.stop();
});

describe('the Slack simulator', () => {
  it("posts, updates and records messages with Slack's answer shapes", async () => {
    const posted = await client.chat.postMessage({
      channel: '#deploys',
      text: 'hello',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hello' } }],
    });
    expect(posted).toMatchObject({ ok: true, channel: 'C0DEPLOYS01', ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    await client.chat.update({ channel: posted.channel!, ts: posted.ts!, text: 'bye' });
    expect(sim.workspace.message('C0DEPLOYS01', posted.ts!)?.text).toBe('bye');
    expect(sim.callsTo('chat.postMessage').at(-1)?.args.blocks).toContain('"mrkdwn"');
  });

  it('answers a scripted 429 with Retry-After, and the client waits and retries', async () => {
    sim.fail('chat.update', { rateLimited: 1 });
    const posted = await client.chat.postMessage({ channel: 'C0DEPLOYS01', text: 'a' });
    await client.chat.update({ channel: 'C0DEPLOYS01', ts: posted.ts!, text: 'b' });
    expect(
      sim
        .callsTo('chat.update')
        .slice(-2)
        .map((call) => call.status),
    ).toEqual([429, 200]);
  });

  it('answers scripted 500s, which the client retries', async () => {
    sim.fail('reactions.add', { status: 500 }, 2);
    const posted = await client.chat.postMessage({ channel: 'C0DEPLOYS01', text: 'react to me' });
    await client.reactions.add({ channel: 'C0DEPLOYS01', timestamp: posted.ts!, name: 'eyes' });
    expect(sim.callsTo('reactions.add').map((call) => call.status)).toEqual([500, 500, 200]);
  });

  it('returns Slack errors as ok:false, with natural ones such as name_taken and already_pinned', async () => {
    sim.fail('chat.postMessage', { error: 'channel_not_found' });
    await expect(client.chat.postMessage({ channel: 'C0DEPLOYS01', text: 'x' })).rejects.toBeInstanceOf(
      WebAPIPlatformError,
    );
    await client.conversations.create({ name: 'inc-20261123-checkout-errors' });
    await expect(client.conversations.create({ name: 'inc-20261123-checkout-errors' })).rejects.toMatchObject({
      data: { error: 'name_taken' },
    });
    await expect(client.conversations.create({ name: 'Has Spaces' })).rejects.toMatchObject({
      data: { error: 'invalid_name_specials' },
    });
    const posted = await client.chat.postMessage({ channel: 'C0DEPLOYS01', text: 'pin me' });
    await client.pins.add({ channel: 'C0DEPLOYS01', timestamp: posted.ts! });
    await expect(client.pins.add({ channel: 'C0DEPLOYS01', timestamp: posted.ts! })).rejects.toMatchObject({
      data: { error: 'already_pinned' },
    });
  });

  it('refuses a wrong token', async () => {
    const stranger = new WebClient('xoxb-wrong', {
      slackApiUrl: sim.apiUrl,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    await expect(stranger.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
  });

  it('serves user groups the way usergroups.list and usergroups.users.list do', async () => {
    const groups = await client.usergroups.list();
    const sreLeads = groups.usergroups!.find((group) => group.handle === 'sre-leads')!;
    expect((await client.usergroups.users.list({ usergroup: sreLeads.id! })).users).toEqual([
      'U0CAROL003',
      'U0FRANK006',
    ]);
    await expect(client.usergroups.users.list({ usergroup: 'S0NOPE' })).rejects.toMatchObject({
      data: { error: 'no_such_subteam' },
    });
  });
});
