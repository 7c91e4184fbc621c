import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// SLACK_APP_TOKEN set: the same bot, reached over Socket Mode instead of HTTP.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ socketMode: true });
});

afterAll(async () => {
  await stack.close();
});

describe('Socket Mode', () => {
  it('connects with the app token and answers commands over the WebSocket', async () => {
    expect(stack.sim.callsTo('apps.connections.open')).toHaveLength(1);
    const answer = await stack.slack.command('alice', '/ops help');
    expect(answer.json?.response_type).toBe('ephemeral');
    expect(answer.json?.text).toContain('/deploy <service> <version>');
  });

  it('runs jobs and dedupes retried envelopes as over HTTP', async () => {
    const triggerId = '1700000000.1.socketsocketsocketsocket';
    await stack.slack.command('carol', '/ops whoami', { triggerId });
    const retry = await stack.slack.command('carol', '/ops whoami', { triggerId, retryNum: 1 });
    expect(retry.json).toBeUndefined();
    await eventually(() =>
      expect(stack.sim.callsTo('response_url').filter((call) => call.args.user === 'U0CAROL003')).toHaveLength(1),
    );
  });

  it('takes no Slack requests over HTTP, but still serves health and metrics', async () => {
    expect((await fetch(`${stack.bot.url}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${stack.bot.url}/readyz`)).status).toBe(200);
  });
});
