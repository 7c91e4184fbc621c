import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/eventually.ts';
import { BOT_TOKEN, startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let messageTs: string;

beforeAll(async () => {
  stack = await startStack();
  // A message with a button that no handler knows: what an old message's button looks like.
  const posted = await fetch(`${stack.sim.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      channel: 'C0DEPLOYS01',
      text: 'old message',
      blocks: [
        {
          type: 'actions',
          block_id: 'old',
          elements: [
            { type: 'button', action_id: 'retired_button', text: { type: 'plain_text', text: 'Do it' }, value: 'x' },
          ],
        },
      ],
    }),
  });
  messageTs = ((await posted.json()) as { ts: string }).ts;
});

afterAll(async () => {
  await stack.close();
});

describe('interactions ops-bot does not (or no longer) handle', () => {
  it('acknowledge a button at once and tell the person it is no longer handled', async () => {
    const answer = await stack.slack.click('alice', { messageTs, actionId: 'retired_button' });

    expect(answer.status).toBe(200);
    const reply = await eventually(() => {
      const found = stack.sim.callsTo('response_url').find((call) => call.args.user === 'U0ALICE001');
      if (!found) throw new Error('no reply');
      return found;
    });
    expect(reply.args).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(reply.args.text)).toContain('That button is no longer handled by ops-bot; nothing was changed.');
    await eventually(async () => {
      const { rows } = await stack.bot.pool.query(
        "SELECT decision, action FROM audit_events WHERE actor = 'U0ALICE001'",
      );
      expect(rows).toEqual([{ decision: 'refused', action: 'button.retired_button' }]);
    });
  });

  it('acknowledge a reaction event with 200', async () => {
    expect((await stack.slack.react('bob', { messageTs, reaction: 'white_check_mark' })).status).toBe(200);
  });

  it('acknowledge a modal submission with 200', async () => {
    expect((await stack.slack.submitView('bob', { callbackId: 'unknown_modal', values: {} })).status).toBe(200);
  });
});
