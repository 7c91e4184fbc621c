import { appendFile, readFile } from 'node:fs/promises';
import { typesIn } from '../../src/sandbox/console/web/kinds.ts';
import type { SlackSimulator } from '../../src/sandbox/slack/simulator.ts';

const CARRIERS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'response_url']);
const VIEWS = new Set(['views.open', 'views.update', 'views.push']);

function parsed(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

// Every list of blocks the bot sent to this simulator: messages, ephemeral replies (by the Web API,
// a response_url, or the slash command's own answer) and modals. `surface` says how the page draws it.
export function blockListsSent(sim: SlackSimulator): { surface: 'message' | 'modal'; blocks: unknown[] }[] {
  const lists: { surface: 'message' | 'modal'; blocks: unknown[] }[] = [];
  for (const call of sim.calls) {
    if (!call.ok) continue;
    if (CARRIERS.has(call.method)) {
      const blocks = parsed(call.args.blocks);
      if (Array.isArray(blocks) && blocks.length > 0) lists.push({ surface: 'message', blocks });
    }
    if (call.method === 'views.publish') {
      const home = parsed(call.args.view) as { blocks?: unknown } | undefined;
      if (Array.isArray(home?.blocks)) lists.push({ surface: 'message', blocks: home.blocks });
    }
    if (VIEWS.has(call.method)) {
      const view = parsed(call.args.view) as { blocks?: unknown } | undefined;
      if (Array.isArray(view?.blocks)) lists.push({ surface: 'modal', blocks: view.blocks });
    }
  }
  for (const ephemeral of sim.workspace.ephemerals)
    if (ephemeral.via === 'ack' && ephemeral.blocks.length > 0)
      lists.push({ surface: 'message', blocks: ephemeral.blocks });
  return lists;
}

export function typesSent(lists: { blocks: unknown[] }[]): { blocks: string[]; elements: string[] } {
  const blocks = new Set<string>();
  const elements = new Set<string>();
  for (const list of lists) {
    const found = typesIn(list.blocks);
    for (const type of found.blocks) blocks.add(type);
    for (const type of found.elements) elements.add(type);
  }
  return { blocks: [...blocks].sort(), elements: [...elements].sort() };
}

// OPSBOT_BLOCK_LOG=<file>: every stack (test/support/stack.ts) appends what its bot sent when it closes, so a
// run of the whole e2e suite leaves every block list ops-bot sent; the rendering test then draws those too.
const BLOCK_LOG = process.env.OPSBOT_BLOCK_LOG;

export async function appendBlockLog(sim: SlackSimulator): Promise<void> {
  if (!BLOCK_LOG) return;
  const lines = blockListsSent(sim).map((list) => `${JSON.stringify(list)}\n`);
  await appendFile(BLOCK_LOG, lines.join(''));
}

export async function readBlockLog(): Promise<{ surface: 'message' | 'modal'; blocks: unknown[] }[]> {
  if (!BLOCK_LOG) return [];
  const text = await readFile(BLOCK_LOG, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { surface: 'message' | 'modal'; blocks: unknown[] });
}
