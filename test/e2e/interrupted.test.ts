import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SimMessage } from '../../src/sandbox/slack/workspace.ts';
import { auditRows, realPatches, releaseRows } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import type { Stack } from '../support/stack.ts';
import { stackWithWorkerProcesses, type WorkerProcesses } from '../support/worker-process.ts';

const CHANNEL = 'C0DEPLOYS01';
const REASON =
  'the worker running it stopped twice; the cluster may be mid-rollout — check `/deploy history checkout staging`';

let stack: Stack;
let workers: WorkerProcesses;

beforeAll(async () => {
  ({ stack, workers } = await stackWithWorkerProcesses());
});

afterAll(async () => {
  await workers.killAll();
  await stack.close();
});

async function killed(worker: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill('SIGKILL');
  await exited;
}

async function changeRows(): Promise<string[][]> {
  const rows = await auditRows(stack, "action IN ('deploy.start', 'deploy.resume', 'deploy.result')");
  return rows.map((row) => [String(row.event), String(row.decision)]);
}

function deployMessages(): SimMessage[] {
  return stack.sim.workspace
    .channelMessages(CHANNEL)
    .filter((message) => !message.threadTs && message.text.startsWith('checkout 1.1.0 to staging'));
}

describe('a deploy whose worker is killed twice', () => {
  it('ends with one interrupted result, a message that says so, the requester told, and no second PATCH', async () => {
    // Slow pods: the rollout is still under way when each worker dies.
    stack.kube.staging.controller.setTiming({ podReadyMs: 60_000 });
    const first = workers.start();
    await stack.slack.command('bob', '/deploy checkout 1.1.0 to staging');
    await eventually(() => expect(realPatches(stack, 'staging')).toHaveLength(1), {
      timeoutMs: 15_000,
      what: 'the first worker to patch',
    });
    await killed(first);
    const second = workers.start();
    await eventually(async () => expect(await changeRows()).toContainEqual(['resume', 'resumed']), {
      timeoutMs: 20_000,
      what: 'a second worker to take the deploy over',
    });
    await killed(second);
    workers.start();

    await eventually(async () => expect(await changeRows()).toContainEqual(['result', 'interrupted']), {
      timeoutMs: 20_000,
      what: 'the interrupted result',
    });
    const [result] = await auditRows(stack, "action = 'deploy.result'");
    expect(result!.reason).toBe(REASON);
    expect(await changeRows()).toEqual([
      ['start', 'started'],
      ['resume', 'resumed'],
      ['result', 'interrupted'],
    ]);
    // The ledger's outcome committed with the result row: one release, interrupted.
    expect((await releaseRows(stack)).map((row) => [row.version, row.outcome, row.outcome_detail])).toEqual([
      ['1.1.0', 'interrupted', REASON],
    ]);
    const message = await eventually(() => {
      const [only, ...others] = deployMessages();
      expect(others).toEqual([]);
      expect(only?.text).toContain('checkout 1.1.0 to staging: interrupted');
      return only!;
    });
    expect(JSON.stringify(message.blocks)).toContain(REASON);
    expect(JSON.stringify(message.blocks)).not.toContain('deploy_cancel');
    const told = await eventually(() => {
      const reply = stack.sim.workspace
        .channelMessages(CHANNEL)
        .find((candidate) => candidate.threadTs === message.ts && candidate.text.includes('interrupted'));
      if (!reply) throw new Error('nobody told yet');
      return reply;
    });
    expect(told.text).toContain(`<@${stack.slack.user('bob').id}>`);
    expect(told.text).toContain(REASON);
    const status = await stack.slack.command('bob', `/ops status ${String(result!.job_id)}`);
    expect(status.json?.text).toContain('interrupted');
    expect(realPatches(stack, 'staging')).toHaveLength(1);
  });
});
