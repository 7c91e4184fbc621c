import { loadavg } from 'node:os';
import { SentinelRedis } from '../test/support/sentinel-redis.ts';
import { env } from './faults/scenario.ts';
import { QUEUE_REFUSAL } from './failover/probe.ts';
import { failoverRound, type RoundResult } from './failover/round.ts';
import { Fleet } from './lib/fleet.ts';
import { report, type Figures } from './lib/results.ts';
import { round, summarize } from './lib/stats.ts';

// failover: ops-bot on highly available Redis (decision 0027) losing its primary mid-rollout. A primary,
// a replica and three sentinels (quorum 2) on free ports; one ROLE=bot and one ROLE=worker process given
// only a redis+sentinel:// URL; the Kubernetes and Slack simulators in their own processes; real
// PostgreSQL. Each round starts a staging deploy, SIGKILLs the primary once its PATCH has reached the
// cluster, and probes `/ops whoami` every 250 ms until the bot takes commands again and the deploy ended;
// the lost node then comes back as the new primary's replica for the next round.
const ROUNDS = env('BENCH_FAILOVER_ROUNDS', 5);
const DOWN_AFTER_MS = (process.env.BENCH_FAILOVER_DOWN_AFTER_MS ?? '1000,5000').split(',').map(Number);
const FAILOVER_TIMEOUT_MS = 3_000;
// Two replicas, each ready 1.5 s after it starts: a rollout of a few seconds, still running at the kill.
const POD_READY_MS = 1_500;

async function rounds(downAfterMs: number): Promise<RoundResult[]> {
  const redis = await SentinelRedis.start({ downAfterMs, failoverTimeoutMs: FAILOVER_TIMEOUT_MS });
  const fleet = await Fleet.start({ services: ['checkout'], redisUrl: redis.url, podReadyMs: POD_READY_MS }).catch(
    async (error: unknown) => {
      await redis.stop();
      throw error;
    },
  );
  const results: RoundResult[] = [];
  try {
    const [bot] = await fleet.spawn(['bot', 'worker']);
    for (let index = 0; index < ROUNDS; index += 1) {
      process.stderr.write(`failover: down-after ${downAfterMs} ms, round ${index + 1}/${ROUNDS}…\n`);
      results.push(await failoverRound(fleet, redis, bot!.url, `2.${downAfterMs}.${index}`));
      await redis.reviveReplica();
    }
    const crashed = fleet.processes.filter((process) => process.crashed);
    if (crashed.length > 0) throw new Error(`${crashed.map((process) => process.role).join(', ')} crashed`);
  } finally {
    await fleet.stop();
    await redis.stop();
  }
  return results;
}

const measured = (values: (number | undefined)[]) => values.filter((value): value is number => value !== undefined);

function figuresOf(tag: string, results: RoundResult[]): Figures {
  const figures: Figures = {};
  const timed: [string, (result: RoundResult) => number | undefined][] = [
    ['switch_master', (result) => result.switchMasterMs],
    ['accepting_again', (result) => result.acceptingMs],
    ['deploy_final', (result) => result.finalMs],
  ];
  for (const [name, pick] of timed) {
    const stats = summarize(measured(results.map(pick)));
    figures[`${name}_p50_ms_${tag}`] = round(stats.p50);
    figures[`${name}_max_ms_${tag}`] = round(stats.max);
  }
  const answers = results.flatMap((result) => result.answers);
  const counted: [string, (result: RoundResult) => number][] = [
    ['final_messages', (result) => result.finalMessages],
    ['patches', (result) => result.patches],
    ['result_rows', (result) => result.resultRows],
  ];
  for (const [name, pick] of counted) figures[`${name}_per_deploy_max_${tag}`] = Math.max(...results.map(pick));
  figures[`deploys_not_exactly_once_${tag}`] = results.filter((result) =>
    [result.finalMessages, result.patches, result.resultRows, result.outcomeReplies].some((count) => count !== 1),
  ).length;
  figures[`commands_refused_${tag}`] = answers.filter((answer) => answer.kind === 'refused').length;
  figures[`commands_silent_or_other_${tag}`] = answers.filter((answer) =>
    ['silent', 'other'].includes(answer.kind),
  ).length;
  return figures;
}

function notesOf(tag: string, results: RoundResult[]): Record<string, string | number> {
  const list = (pick: (result: RoundResult) => number | undefined) =>
    results.map((result) => (pick(result) === undefined ? '-' : round(pick(result)!, 0))).join(' ');
  const answers = results.flatMap((result) => result.answers);
  const texts = new Set(answers.filter((answer) => answer.kind !== 'accepted').map((answer) => answer.text));
  return {
    [`odown_ms_per_round_${tag}`]: list((result) => result.odownMs),
    [`switch_master_ms_per_round_${tag}`]: list((result) => result.switchMasterMs),
    [`accepting_again_ms_per_round_${tag}`]: list((result) => result.acceptingMs),
    [`deploy_final_ms_per_round_${tag}`]: list((result) => result.finalMs),
    [`counts_per_round_${tag}`]: results
      .map((r) => `${r.finalMessages}/${r.patches}/${r.resultRows}/${r.outcomeReplies}`)
      .join(' '),
    [`commands_sent_${tag}`]: answers.length,
    [`answers_not_accepted_${tag}`]: [...texts].map((text) => text.slice(0, 200)).join(' | ') || 'none',
  };
}

export async function failoverBenchmark(): Promise<void> {
  const load = loadavg().map((value) => value.toFixed(2));
  const figures: Figures = {};
  const notes: Record<string, string | number> = {
    setup: `${ROUNDS} rounds per setting; primary + replica (AOF, fsync always) + 3 sentinels (quorum 2, failover-timeout ${FAILOVER_TIMEOUT_MS} ms, down-after-milliseconds ${DOWN_AFTER_MS.join(' and ')} ms); one ROLE=bot and one ROLE=worker process on redis+sentinel://, JOB_LOCK_MS default (30 s); staging deploy of 2 replicas (pods ready after ${POD_READY_MS} ms), primary SIGKILLed once the PATCH reached the simulated cluster; /ops whoami every 250 ms, given up at 3 s as Slack does; the lost node revived as a replica between rounds`,
    times:
      'all from the SIGKILL: switch_master = a sentinel publishes +switch-master; accepting_again = the first accepted answer to a command sent after the last one not accepted; deploy_final = the progress message first shows the outcome',
    counts: `per round final messages/PATCHes/result rows/outcome replies, each must be 1; a refusal must say "${QUEUE_REFUSAL}"`,
    load_average_at_start: `${load.join(' ')} (the machine was shared with other work)`,
  };
  for (const downAfterMs of DOWN_AFTER_MS) {
    const results = await rounds(downAfterMs);
    Object.assign(figures, figuresOf(`da${downAfterMs}`, results));
    Object.assign(notes, notesOf(`da${downAfterMs}`, results));
  }
  await report('failover', figures, notes);
}
