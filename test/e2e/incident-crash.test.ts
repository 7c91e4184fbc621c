import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hashOf } from '../../src/core/ids.ts';
import { incidentCatalog } from '../support/catalogs.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { WorkerProcesses } from '../support/worker-process.ts';

let stack: Stack;
let workers: WorkerProcesses;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: incidentCatalog(), env: { ROLE: 'bot', JOB_LOCK_MS: '1500' } });
  workers = await WorkerProcesses.for(stack, incidentCatalog());
});

afterAll(async () => {
  await workers.killAll();
  await stack.close();
});

describe('a declaration whose worker dies right after conversations.create', () => {
  it('is finished by another worker with one channel, one card and one pin, even when pins.add fails once', async () => {
    const first = workers.start();
    // The worker is killed the moment Slack has created the channel, before it can hear the answer.
    const stop = stack.sim.onCall((call) => {
      if (call.method === 'conversations.create' && call.ok) {
        first.kill('SIGKILL');
        stop();
      }
    });
    stack.sim.fail('pins.add', { error: 'internal_error' });
    const answer = await stack.slack.command('alice', '/incident declare P1 "ledger out of sync"', {
      channel: 'general',
    });
    const id = hashOf(`command:${answer.triggerId}`).slice(0, 16);
    await new Promise((resolve) => first.once('exit', resolve));
    workers.start();
    const row = await eventually(
      async () => {
        const found = (
          await stack.bot.pool.query<{ setup: string; channel_id: string; card_ts: string }>(
            'SELECT setup, channel_id, card_ts FROM incidents WHERE id = $1',
            [id],
          )
        ).rows[0];
        if (found?.setup !== 'done') throw new Error(`set-up is ${found?.setup}`);
        return found;
      },
      { timeoutMs: 30_000, what: 'the resumed declaration' },
    );
    const name = `inc-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-ledger-out-of-sync`;
    const channels = [...stack.sim.workspace.channels.values()].filter((channel) => channel.name.startsWith(name));
    expect(channels.map((channel) => channel.name)).toEqual([name]);
    expect(row.channel_id).toBe(channels[0]!.id);
    const messages = stack.sim.workspace.channelMessages(row.channel_id);
    expect(messages.filter((message) => JSON.stringify(message.blocks).includes(`incident:${id}:card`))).toHaveLength(
      1,
    );
    expect(messages.filter((message) => JSON.stringify(message.blocks).includes(`incident:${id}:intro`))).toHaveLength(
      1,
    );
    expect([...channels[0]!.pins]).toEqual([row.card_ts]);
    expect(stack.sim.callsTo('conversations.create').map((call) => call.error ?? 'ok')).toEqual(['ok', 'name_taken']);
    expect(stack.sim.callsTo('conversations.list')).toHaveLength(0);
  });
});
