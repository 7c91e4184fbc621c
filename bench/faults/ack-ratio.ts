import { startChild } from '../lib/child-server.ts';
import { CpuMeter } from '../lib/cpu.ts';
import { BENCH_SECRET, Fleet } from '../lib/fleet.ts';
import { openLoop, slashCommandBody, type LoadResult } from '../lib/load.ts';
import { round, summarize } from '../lib/stats.ts';
import { drained, env, type ScenarioResult } from './scenario.ts';

const RATE = env('BENCH_FAULTS_RATE', 300);
const SECONDS = env('BENCH_FAULTS_SECONDS', 30);
const ROUNDS = env('BENCH_FAULTS_ROUNDS', 10);
const PEOPLE = ['U0ALICE001', 'U0BOB00002', 'U0CAROL003', 'U0DAVE0004', 'U0ERIN0005'];

// ack_p99_ratio_300rps: enqueuing commands (/ops whoami, /deploy … --dry-run) at a fixed rate,
// split across two ROLE=bot replicas with two ROLE=worker processes behind them, against a bare Bolt
// app at the same rate, in alternating rounds of the same run. The queue drains between rounds so no
// round measures under the previous one's jobs.
export async function ackRatio(): Promise<ScenarioResult> {
  const fleet = await Fleet.start({ services: ['checkout'] });
  const bare = await startChild<{ url: string }>('../servers/bare-bolt.ts', { BENCH_SECRET });
  const results = { bare: [] as LoadResult[], ours: [] as LoadResult[] };
  const wrong: string[] = [];
  const cpu = new CpuMeter(() => fleet.pids());
  // What the bare Bolt app spends per request at the same rate: Bolt's own share of the ack path.
  const bareCpu = new CpuMeter(async () => ({ 'bare Bolt': [bare.child.pid ?? 0] }));
  try {
    const bots = await fleet.spawn(['bot', 'bot', 'worker', 'worker']);
    const botUrls = bots.slice(0, 2).map((bot) => bot.url);
    const replica = (index: number) => botUrls[index % 2]!;
    const ours = (index: number) => {
      const options = { user: PEOPLE[index % PEOPLE.length]!, responseUrl: `${fleet.slack.sink}/${index}` };
      return index % 2 === 0
        ? slashCommandBody('/ops', 'whoami', options)
        : slashCommandBody('/deploy', `checkout 1.4.${index % 50} to staging --dry-run`, options);
    };
    const check = (status: number, text: string) => {
      if (status === 200 && (text.includes('whoami-') || text.includes('Dry run:') || text.includes('plan-'))) return;
      if (wrong.length < 5) wrong.push(`${status} ${text.slice(0, 160)}`);
    };
    const roundMs = (SECONDS * 1000) / ROUNDS;
    // Warm-up (JIT, connection pools, the directory's cache) before measuring.
    await openLoop(bare.info.url, BENCH_SECRET, RATE, 2_000, ours);
    await openLoop(replica, BENCH_SECRET, RATE, 2_000, ours);
    await drained(botUrls[0]!);
    for (let round = 0; round < ROUNDS; round += 1) {
      await bareCpu.start();
      results.bare.push(await openLoop(bare.info.url, BENCH_SECRET, RATE, roundMs, ours));
      await bareCpu.stop();
      await cpu.start();
      results.ours.push(await openLoop(replica, BENCH_SECRET, RATE, roundMs, ours, check));
      await cpu.stop();
      await drained(botUrls[0]!);
    }
    const crashed = fleet.processes.filter((process) => process.crashed).length;
    if (crashed > 0) wrong.push(`${crashed} ops-bot processes crashed`);
  } finally {
    await bare.stop();
    await fleet.stop();
  }
  const merge = (runs: LoadResult[]) => ({
    stats: summarize(runs.flatMap((run) => run.latencies)),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
  });
  const perRound = (runs: LoadResult[]) => runs.map((run) => round(summarize(run.latencies).p99)).join(' ');
  const bareStats = merge(results.bare);
  const ourStats = merge(results.ours);
  return {
    figures: {
      ack_p99_ratio_300rps: round(ourStats.stats.p99 / bareStats.stats.p99),
      ack_p99_ms_300rps: round(ourStats.stats.p99),
      ack_p50_ms_300rps: round(ourStats.stats.p50),
      bare_p99_ms_300rps: round(bareStats.stats.p99),
      ack_errors_300rps: ourStats.errors + bareStats.errors + wrong.length,
    },
    notes: {
      ack_setup: `${RATE} req/s, ${ROUNDS} rounds of ${SECONDS / ROUNDS} s each side; /ops whoami and /deploy checkout … to staging --dry-run alternately, round robin over 2 ROLE=bot processes, 2 ROLE=worker processes; Slack and Kubernetes simulators in their own processes`,
      ack_cpu_cores: cpu.summary(),
      bare_cpu_cores: bareCpu.summary(),
      ack_cpu_ms_per_request: `bots ${round((cpu.used('bots') * 1000) / Math.max(1, ourStats.stats.n))}, workers ${round((cpu.used('workers') * 1000) / Math.max(1, ourStats.stats.n))}, bare Bolt ${round((bareCpu.used('bare Bolt') * 1000) / Math.max(1, bareStats.stats.n))}`,
      ack_requests: ourStats.stats.n + bareStats.stats.n,
      ack_p99_per_round: perRound(results.ours),
      bare_p99_per_round: perRound(results.bare),
      ...(wrong.length > 0 ? { ack_wrong_answers: wrong.join(' | ') } : {}),
    },
  };
}
