import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { IMAGE, auditRows, currentImage } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { startStack, type Stack } from '../support/stack.ts';

// The end of a change when Redis is away: the change finished (its result row is written, its message
// final) but BullMQ never heard, so the stalled-job check runs it again. That run must find the change
// finished and end quietly: no second PATCH, no second message or mention, no second start or result.
const CATALOG = `environments:
  staging:
    context: staging
services:
  checkout:
    namespace: shop
    deployment: checkout
    container: app
    image: registry.example.com/shop/checkout
    environments: [staging]
    timeout: 1m
roles:
  deploy: ["@engineers"]
  rollback: ["@engineers"]
`;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ catalogYaml: CATALOG });
  stack.kube.staging.addDeployment({
    namespace: 'shop',
    name: 'checkout',
    container: 'app',
    image: `${IMAGE}:1.0.0`,
    replicas: 3,
  });
});

afterAll(async () => {
  await stack.close();
});

function realPatches(): number {
  return stack.kube.staging.requests.filter((request) => request.method === 'PATCH' && !request.query.dryRun).length;
}

describe('a change run again after it finished', () => {
  it('ends quietly: nothing is patched, posted or audited twice', async () => {
    await stack.slack.command('bob', '/deploy checkout 1.1.0 to staging');
    const message = await eventually(() => {
      const found = stack.sim.workspace
        .channelMessages('C0DEPLOYS01')
        .find((candidate) => candidate.text.startsWith('checkout 1.1.0 to staging: succeeded'));
      if (!found) throw new Error('not finished yet');
      return found;
    });
    const queue = stack.bot.queues.queue('deploy');
    const finished = await eventually(async () => {
      const jobs = await queue.getJobs(['completed']);
      expect(jobs).toHaveLength(1);
      return jobs[0]!;
    });
    const jobId = finished.id!;
    const rowsBefore = await eventually(async () => {
      const rows = await auditRows(stack, 'job_id = $1', [jobId]);
      expect(rows.filter((row) => row.action === 'deploy.result')).toHaveLength(1);
      return rows;
    });
    const patchesBefore = realPatches();
    const callsBefore = stack.sim.calls.length;

    // What the stalled-job check does after an outage: the same job, with the data it last saved.
    await finished.remove();
    await queue.add('deploy', finished.data, { jobId });
    await eventually(async () => expect(await queue.getJobs(['completed'])).toHaveLength(1));

    expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.1.0`);
    expect(realPatches()).toBe(patchesBefore);
    const posted = stack.sim.calls
      .slice(callsBefore)
      .filter((call) => ['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(call.method));
    expect(posted).toEqual([]);
    expect((await auditRows(stack, 'job_id = $1', [jobId])).map((row) => row.id)).toEqual(
      rowsBefore.map((row) => row.id),
    );
    expect(message.text).toContain('succeeded');
  });
});
