import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE, auditRows, currentImage, realPatches, releaseRows } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import type { Stack } from '../support/stack.ts';
import { stackWithWorkerProcesses, type WorkerProcesses } from '../support/worker-process.ts';

let stack: Stack;
let workers: WorkerProcesses;
const startWorker = () => workers.start();

beforeAll(async () => {
  ({ stack, workers } = await stackWithWorkerProcesses());
});

afterAll(async () => {
  await workers.killAll();
  await stack.close();
});

describe('a worker killed in the middle of a rollout', () => {
  it('leaves the job to another worker, which finishes watching without patching again and posts the final state', async () => {
    stack.kube.staging.controller.setTiming({ podReadyMs: 1_500 });
    const first = startWorker();
    await stack.slack.command('bob', '/deploy checkout 1.1.0 to staging');
    await eventually(() => expect(realPatches(stack, 'staging')).toHaveLength(1), {
      timeoutMs: 15_000,
      what: 'the first worker to patch',
    });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    startWorker();
    const message = await eventually(
      () => {
        const found = stack.sim.workspace
          .channelMessages('C0DEPLOYS01')
          .find((candidate) => candidate.text.startsWith('checkout 1.1.0 to staging: succeeded'));
        if (!found) throw new Error('no final state yet');
        return found;
      },
      { timeoutMs: 25_000, what: 'the final state' },
    ).catch(async (error: Error) => {
      // Two processes and a kill: when this fails, say what each side saw.
      const jobs = await stack.bot.queues
        .queue('deploy')
        .getJobs(['active', 'waiting', 'failed', 'completed', 'delayed']);
      const seen = {
        messages: stack.sim.workspace.channelMessages('C0DEPLOYS01').map((m) => m.text),
        audit: (await auditRows(stack)).map((r) => [r.event, r.decision, r.reason]),
        jobs: jobs.map((job) => ({
          id: job.id,
          failed: job.failedReason,
          stalled: job.stalledCounter,
          resume: (job.data as { resume?: unknown }).resume,
        })),
      };
      throw new Error(`${error.message}\n${JSON.stringify(seen, null, 1)}`);
    });
    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.1.0`);
    expect(realPatches(stack, 'staging')).toHaveLength(1);
    expect(
      stack.sim.workspace
        .channelMessages('C0DEPLOYS01')
        .filter((candidate) => candidate.text.startsWith('checkout 1.1.0 to staging')),
    ).toEqual([message]);
    await eventually(async () => {
      const events = (await auditRows(stack, "action IN ('deploy.start', 'deploy.resume', 'deploy.result')")).map(
        (row) => [row.event, row.decision],
      );
      expect(events).toEqual([
        ['start', 'started'],
        ['resume', 'resumed'],
        ['result', 'succeeded'],
      ]);
    });
    // One release, though two workers started it: the resumed run found its row.
    const releases = await releaseRows(stack);
    expect(releases.map((row) => [row.version, row.outcome])).toEqual([['1.1.0', 'succeeded']]);
    expect(releases[0]!.template_hash).toEqual(expect.any(String));
  });
});
