import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConsoleServer } from '../../src/sandbox/console/server.ts';
import type { ConsoleState } from '../../src/sandbox/console/web/types.ts';
import { listenOn, closeNow } from '../../src/sandbox/loopback.ts';
import { SlackSimulator } from '../../src/sandbox/slack/simulator.ts';
import { eventually } from '../support/eventually.ts';

// The console server's actions, seen from the receiving end: a plain HTTP endpoint in the bot's
// place keeps what Slack (the driver) delivered and answers as the test tells it, so the payloads
// (a chosen option, ticked boxes, a modal's state.values) and the modal bookkeeping can be read exactly.
const SECRET = 'console-test-secret';
let sim: SlackSimulator;
let server: ConsoleServer;
let receiver: Server;
const delivered: Record<string, unknown>[] = [];
let nextAnswer: Record<string, unknown> | undefined;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      delivered.push(JSON.parse(form.get('payload') ?? body) as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(nextAnswer ? JSON.stringify(nextAnswer) : '');
      nextAnswer = undefined;
    });
  });
  const botUrl = await listenOn(receiver, 0, '127.0.0.1');
  sim = new SlackSimulator();
  await sim.start();
  sim.connectBot(botUrl, SECRET);
  server = new ConsoleServer(sim);
  await server.start();
});

afterAll(async () => {
  await server.stop();
  await sim.stop();
  await closeNow(receiver);
});

async function post(action: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${server.url}api/${action}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function state(): Promise<ConsoleState> {
  return (await (await fetch(`${server.url}state`)).json()) as ConsoleState;
}

async function botPosts(blocks: unknown[]): Promise<string> {
  const response = await fetch(`${sim.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'C0GENERAL01', text: 'menus', blocks }),
  });
  return ((await response.json()) as { ts: string }).ts;
}

const options = [
  { text: { type: 'plain_text', text: 'One' }, value: 'one' },
  { text: { type: 'plain_text', text: 'Two' }, value: 'two' },
];

describe('the console server', () => {
  it('sends the option chosen in a static_select or an overflow, and every ticked box, as block_actions', async () => {
    const ts = await botPosts([
      {
        type: 'actions',
        block_id: 'menus',
        elements: [
          { type: 'static_select', action_id: 'pick', options },
          { type: 'overflow', action_id: 'more', options },
          { type: 'checkboxes', action_id: 'ticks', options },
        ],
      },
    ]);
    for (const [actionId, choice] of [
      ['pick', { selectedOption: { value: 'two' } }],
      ['more', { selectedOption: { value: 'one' } }],
      ['ticks', { selectedOptions: [{ value: 'one' }, { value: 'two' }] }],
    ] as const)
      expect((await post('click', { as: 'carol', messageTs: ts, actionId, ...choice })).status).toBe(200);
    const actions = delivered.slice(-3).map((payload) => (payload.actions as Record<string, unknown>[])[0]);
    expect(actions).toEqual([
      expect.objectContaining({
        type: 'static_select',
        action_id: 'pick',
        block_id: 'menus',
        selected_option: options[1],
      }),
      expect.objectContaining({ type: 'overflow', action_id: 'more', selected_option: options[0] }),
      expect.objectContaining({ type: 'checkboxes', selected_options: [{ value: 'one' }, { value: 'two' }] }),
    ]);
    expect(delivered.at(-1)).toMatchObject({ user: { id: 'U0CAROL003' }, type: 'block_actions' });
  });

  it('gives the modal the bot opens to the person whose click carried its trigger, and submits its inputs', async () => {
    const ts = await botPosts([
      {
        type: 'actions',
        elements: [{ type: 'button', action_id: 'open', text: { type: 'plain_text', text: 'Open' } }],
      },
    ]);
    await post('click', { as: 'dave', messageTs: ts, actionId: 'open' });
    const trigger = String(delivered.at(-1)!.trigger_id);
    const view = {
      type: 'modal',
      callback_id: 'the_form',
      private_metadata: '{"id":7}',
      title: { type: 'plain_text', text: 'A form' },
      blocks: [{ type: 'input', block_id: 'why', element: { type: 'plain_text_input', action_id: 'value' } }],
    };
    await fetch(`${sim.apiUrl}views.open`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ trigger_id: trigger, view }),
    });
    const modal = await eventually(async () => {
      const found = (await state()).modals.find((candidate) => candidate.user === 'U0DAVE0004');
      if (!found) throw new Error('no modal for dave');
      return found;
    });
    expect(modal.view.callback_id).toBe('the_form');

    const values = { why: { value: { type: 'plain_text_input', value: 'because' } } };
    nextAnswer = { response_action: 'errors', errors: { why: 'Say more.' } };
    expect((await post('submit', { as: 'dave', viewId: modal.viewId, values })).status).toBe(200);
    expect(delivered.at(-1)).toMatchObject({
      type: 'view_submission',
      user: { id: 'U0DAVE0004' },
      view: { callback_id: 'the_form', private_metadata: '{"id":7}', state: { values } },
    });
    expect((await state()).modals.find((candidate) => candidate.viewId === modal.viewId)?.errors).toEqual({
      why: 'Say more.',
    });

    await post('submit', { as: 'dave', viewId: modal.viewId, values });
    expect((await state()).modals.filter((candidate) => candidate.user === 'U0DAVE0004')).toEqual([]);
  });

  it('refuses a malformed request with what is wrong, and an unknown person by name', async () => {
    const missing = await post('click', { as: 'carol' });
    expect(missing.status).toBe(400);
    expect(String(missing.json.error)).toContain('messageTs');
    const stranger = await post('say', { as: 'nobody', channel: 'general', text: 'hi' });
    expect(stranger).toEqual({
      status: 400,
      json: { ok: false, error: 'no such user in the simulated workspace: nobody' },
    });
    const notJson = await fetch(`${server.url}api/say`, { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
  });
});
