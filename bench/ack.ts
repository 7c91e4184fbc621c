import { dropDatabase } from '../test/support/services.ts';
import { startChild } from './lib/child-server.ts';
import { openLoop, slashCommandBody, type LoadResult } from './lib/load.ts';
import { report } from './lib/results.ts';
import { round, summarize } from './lib/stats.ts';

// ack: signed slash commands at a fixed rate against ops-bot and, in the same run and in
// alternating rounds, against a bare Bolt app that only acks. Target: p99 ≤ 1.3× the bare app's.
const SECRET = 'bench-signing-secret';
const RATE = Number(process.env.BENCH_ACK_RATE ?? 100);
const ROUNDS = Number(process.env.BENCH_ACK_ROUNDS ?? 10);
const ROUND_MS = Number(process.env.BENCH_ACK_ROUND_MS ?? 3_000);

type Target = { url: string };

async function drained(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const busy = metrics
      .split('\n')
      .filter((line) => /^opsbot_queue_jobs\{.*state="(active|waiting|prioritized)"/.test(line))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    if (busy === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function ackBenchmark(): Promise<void> {
  const bare = await startChild<Target>('../servers/bare-bolt.ts', { BENCH_SECRET: SECRET });
  const ours = await startChild<Target & { database: string }>('../servers/ops-bot.ts', { BENCH_SECRET: SECRET });
  const results = { bare: [] as LoadResult[], help: [] as LoadResult[], whoami: [] as LoadResult[] };
  try {
    // Warm both up (JIT, connection pools) before measuring.
    await openLoop(bare.info.url, SECRET, RATE, 1_000, () => slashCommandBody('/ops', 'help'));
    await openLoop(ours.info.url, SECRET, RATE, 1_000, () => slashCommandBody('/ops', 'help'));
    for (let round = 0; round < ROUNDS; round += 1) {
      results.bare.push(await openLoop(bare.info.url, SECRET, RATE, ROUND_MS, () => slashCommandBody('/ops', 'help')));
      results.help.push(await openLoop(ours.info.url, SECRET, RATE, ROUND_MS, () => slashCommandBody('/ops', 'help')));
      results.whoami.push(
        await openLoop(ours.info.url, SECRET, RATE, ROUND_MS, () => slashCommandBody('/ops', 'whoami')),
      );
      // The whoami jobs run after their acks; let them finish so no round measures under their load.
      await drained(ours.info.url);
    }
  } finally {
    await Promise.all([bare.stop(), ours.stop()]);
    await dropDatabase(new URL(ours.info.database).pathname.slice(1)).catch(() => undefined);
  }
  // Shared 2-vCPU machines have interference rounds; the per-round p99s show how much.
  const perRound = (runs: LoadResult[]) => runs.map((run) => round(summarize(run.latencies).p99)).join(' ');
  const merge = (runs: LoadResult[]) => ({
    stats: summarize(runs.flatMap((run) => run.latencies)),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
  });
  const bareStats = merge(results.bare);
  const help = merge(results.help);
  const whoami = merge(results.whoami);
  await report(
    'ack',
    {
      p50_ms: round(help.stats.p50),
      p99_ms: round(help.stats.p99),
      bare_p50_ms: round(bareStats.stats.p50),
      bare_p99_ms: round(bareStats.stats.p99),
      p99_ratio: round(help.stats.p99 / bareStats.stats.p99),
      errors: help.errors + bareStats.errors + whoami.errors,
      enqueue_p50_ms: round(whoami.stats.p50),
      enqueue_p99_ms: round(whoami.stats.p99),
      enqueue_p99_ratio: round(whoami.stats.p99 / bareStats.stats.p99),
      requests: help.stats.n + bareStats.stats.n + whoami.stats.n,
    },
    {
      rate_per_s: RATE,
      rounds: ROUNDS,
      round_ms: ROUND_MS,
      command: '/ops help (p50/p99); /ops whoami, which audits and enqueues (enqueue_*)',
      bare_p99_per_round: perRound(results.bare),
      help_p99_per_round: perRound(results.help),
      whoami_p99_per_round: perRound(results.whoami),
    },
  );
}
