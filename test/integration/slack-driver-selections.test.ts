import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { renderBlocks } from '../../src/sandbox/slack/render.ts';
import { SlackSimulator } from '../../src/sandbox/slack/simulator.ts';

// What `npm run slack -- --click <id> --value …` (and the console) send: the simulator's control surface
// drives a real signed block_actions to a receiver, which records the payload it got.
const SECRET = 'selections-secret';
let sim: SlackSimulator;
let receiver: Server;
const received: Record<string, unknown>[] = [];

const option = (value: string) => ({ text: { type: 'plain_text', text: `Option ${value}` }, value });
const BLOCKS = [
  {
    type: 'actions',
    block_id: 'checklist',
    elements: [
      { type: 'checkboxes', action_id: 'tick', options: ['a', 'b', 'c'].map(option), initial_options: [option('b')] },
    ],
  },
  {
    type: 'section',
    block_id: 'menu',
    text: { type: 'mrkdwn', text: 'a &lt;b&gt; &amp; c' },
    accessory: { type: 'overflow', action_id: 'more', options: ['x', 'y'].map(option) },
  },
  {
    type: 'actions',
    block_id: 'select',
    elements: [{ type: 'static_select', action_id: 'pick', option_groups: [{ options: ['p', 'q'].map(option) }] }],
  },
];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(new URLSearchParams(body).get('payload') ?? '{}') as Record<string, unknown>);
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  sim = new SlackSimulator();
  await sim.start();
  sim.connectBot(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, SECRET);
  const channel = sim.workspace.resolveChannel('deploys')!;
  sim.workspace.ephemerals.push({
    ts: '1.000001',
    channel: channel.id,
    user: 'U0CAROL003',
    text: 'old',
    blocks: [],
    via: 'ack',
  });
  sim.workspace.ephemerals.push({
    ts: '1.000002',
    channel: channel.id,
    user: 'U0CAROL003',
    text: 'menus',
    blocks: BLOCKS,
    via: 'response_url',
  });
});

afterAll(async () => {
  await sim.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

async function click(body: Record<string, unknown>) {
  const response = await fetch(`${sim.url}/_sim/drive`, {
    method: 'POST',
    body: JSON.stringify({ kind: 'click', as: 'carol', ...body }),
  });
  return (await response.json()) as { ok: boolean; error?: string };
}

const lastAction = () => (received.at(-1)!.actions as Record<string, unknown>[])[0]!;

describe('clicks with a value', () => {
  it('toggle checkboxes against what is ticked, on the newest ephemeral reply carrying the action', async () => {
    expect(await click({ actionId: 'tick', value: 'a,b' })).toMatchObject({ ok: true });
    expect(lastAction()).toMatchObject({ type: 'checkboxes', block_id: 'checklist', selected_options: [option('a')] });
    expect(received.at(-1)!.container).toMatchObject({ message_ts: '1.000002', is_ephemeral: true });
  });

  it('pick an overflow or static_select option as selected_option, and name the options when one is wrong', async () => {
    await click({ actionId: 'more', value: 'y', messageTs: '1.000002' });
    expect(lastAction()).toMatchObject({ type: 'overflow', selected_option: option('y') });
    await click({ actionId: 'pick', value: 'q' });
    expect(lastAction()).toMatchObject({ type: 'static_select', selected_option: option('q') });
    expect(await click({ actionId: 'pick', value: 'z' })).toEqual({
      ok: false,
      error: 'pick has no option z; its options are p, q',
    });
    expect(await click({ actionId: 'nothing' })).toEqual({
      ok: false,
      error: 'no message @carol can see has a nothing; pass --message <ts>',
    });
  });

  it('are what the terminal rendering offers, with entities unescaped', () => {
    const text = renderBlocks(BLOCKS, '');
    expect(text).toContain('[ ] Option a (a)');
    expect(text).toContain('[x] Option b (b)');
    expect(text).toContain('--click tick --value <option>');
    expect(text).toContain('a <b> & c');
    expect(text).toContain('▾ Option x (x) | Option y (y) → --click more --value <option>');
  });
});
