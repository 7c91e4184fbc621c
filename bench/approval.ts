import { testCatalog } from '../test/support/catalogs.ts';
import { approvalMessage, seedCheckout } from '../test/support/approvals.ts';
import { eventually } from '../test/support/eventually.ts';
import { startStack } from '../test/support/stack.ts';
import { report } from './lib/results.ts';
import { round, summarize } from './lib/stats.ts';

// approval: from the HTTP request of the approval that reaches the threshold to the moment the
// worker starts the job (BullMQ's processedOn), over N production deploys that each need 2 approvals.
const REQUESTS = Number(process.env.BENCH_APPROVAL_REQUESTS ?? 200);

export async function approvalBenchmark(): Promise<void> {
  const stack = await startStack({ catalogYaml: testCatalog(), env: { LOG_LEVEL: 'warn' } });
  const latencies: number[] = [];
  let errors = 0;
  try {
    seedCheckout(stack);
    for (let index = 1; index <= REQUESTS; index += 1) {
      const version = `1.0.${index}`;
      try {
        await stack.slack.command('bob', `/deploy checkout ${version} to production`);
        const message = await approvalMessage(stack, version);
        await stack.slack.click('carol', { messageTs: message.ts, actionId: 'approval_approve' });
        const sent = Date.now();
        await stack.slack.click('alice', { messageTs: message.ts, actionId: 'approval_approve' });
        const started = await eventually(
          async () => {
            const jobs = await stack.bot.queues.queue('deploy').getJobs(['active', 'completed', 'failed']);
            const job = jobs.find((candidate) => JSON.stringify(candidate.data).includes(`:${version}"`));
            if (!job?.processedOn) throw new Error('not started');
            await eventually(async () => {
              if ((await stack.bot.queues.queue('deploy').getActiveCount()) !== 0) throw new Error('running');
            });
            return job.processedOn;
          },
          { timeoutMs: 30_000 },
        );
        latencies.push(started - sent);
      } catch (error) {
        errors += 1;
        process.stderr.write(`approval bench: ${version} failed: ${(error as Error).message}\n`);
      }
    }
  } finally {
    await stack.close();
  }
  const stats = summarize(latencies);
  await report(
    'approval',
    { p50_ms: round(stats.p50), p99_ms: round(stats.p99), max_ms: round(stats.max), requests: stats.n, errors },
    {
      measured: 'last approval HTTP request sent → deploy job processedOn (same clock)',
      approvals_per_request: 2,
    },
  );
}
