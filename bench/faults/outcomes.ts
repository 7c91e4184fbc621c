import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import type { OpsProcess } from '../../test/support/ops-process.ts';
import { PrivateRedis } from '../../test/support/private-redis.ts';
import { databaseUrl } from '../../test/support/services.ts';
import { BENCH_SECRET, Fleet } from '../lib/fleet.ts';
import { sendSigned, slashCommandBody } from '../lib/load.ts';
import { env, sleep, type ScenarioResult } from './scenario.ts';

const DEPLOYS = env('BENCH_FAULTS_OUTCOME_DEPLOYS', 100);
const LANES = env('BENCH_FAULTS_OUTCOME_LANES', 10);
const RESTART_EVERY_MS = env('BENCH_FAULTS_REDIS_RESTART_MS', 10_000);
const DOWN_MS = env('BENCH_FAULTS_REDIS_DOWN_MS', 1_000);
// Rollouts long enough that the 100 deploys span several restarts (about a minute in all): with fast
// pods the whole run ended before the first restart on an idle machine, and measured nothing.
const POD_READY_MS = env('BENCH_FAULTS_OUTCOME_POD_READY_MS', 3_000);
const FINAL = /: (succeeded|failed and rolled back|failed|cancelled)\b/;

type Call = { seq: number; method: string; ok: boolean; args: Record<string, unknown> };
type AuditRow = { job_id: string; event: string; decision: string };

// Each lane deploys its own service again and again (one change per target): a request refused at
// the ack because Redis was down is sent again and does not count as a deploy.
async function lane(fleet: Fleet, bots: string[], index: number, count: number, jobs: string[], refusedAcks: number[]) {
  for (let deploy = 0; deploy < count;) {
    const [responseUrl] = (
      await fleet.control<{ urls: string[] }>('slack', 'response-urls', { channel: 'C0DEPLOYS01', user: 'U0ALICE001' })
    ).urls;
    const body = slashCommandBody('/deploy', `svc-${index} 3.${deploy}.${Date.now() % 1000} to staging`, {
      responseUrl: responseUrl!,
    });
    const ack = await sendSigned(bots[(index + deploy) % bots.length]!, BENCH_SECRET, body).catch(() => undefined);
    const planId = /plan-[0-9a-f]+/.exec(ack?.text ?? '')?.[0];
    if (!planId) {
      refusedAcks.push(1);
      await sleep(1_500);
      continue;
    }
    const jobId = planId.replace('plan-', 'deploy-');
    jobs.push(jobId);
    await finished(fleet, jobId);
    deploy += 1;
  }
}

async function auditRows(fleet: Fleet, jobIds: string[]): Promise<AuditRow[]> {
  const client = new pg.Client({ connectionString: databaseUrl(fleet.database) });
  await client.connect();
  try {
    const { rows } = await client.query<AuditRow>(
      `SELECT job_id, event, decision FROM audit_events WHERE job_id = ANY($1)`,
      [jobIds.flatMap((id) => [id, id.replace('deploy-', 'plan-')])],
    );
    return rows;
  } finally {
    await client.end();
  }
}

// The job has its result row (or its plan was refused), or two minutes passed.
async function finished(fleet: Fleet, jobId: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const rows = await auditRows(fleet, [jobId]).catch(() => []);
    if (rows.some((row) => row.event === 'result')) return;
    await sleep(200);
  }
}

const normal = (words: string) =>
  words.toLowerCase().replace(/-/g, ' ').replace('failed and rolled back', 'rolled back');

// What each place says about one deploy job; a disagreement, a missing or a second outcome is a mismatch.
function judge(jobId: string, calls: Call[], rows: AuditRow[]): string[] {
  const mentions = (call: Call) => JSON.stringify(call.args).includes(jobId);
  const posted = calls.filter((call) => call.method === 'chat.postMessage' && call.ok && mentions(call));
  const progress = posted.filter((call) => !call.args.thread_ts);
  const outcomeReplies = posted.filter((call) => JSON.stringify(call.args).includes(`outcome:${jobId}`));
  const takeover = posted.filter((call) => String(call.args.text).includes(':recycle:'));
  const updates = calls.filter((call) => call.method === 'chat.update' && call.ok && mentions(call));
  const lastText = String((updates.at(-1) ?? progress.at(-1))?.args.text ?? '');
  const channel = FINAL.exec(lastText)?.[1];
  const results = rows.filter((row) => row.job_id === jobId && row.event === 'result');
  const starts = rows.filter((row) => row.job_id === jobId && (row.event === 'start' || row.event === 'resume'));
  const problems: string[] = [];
  if (results.length !== 1) problems.push(`${results.length} result rows`);
  if (starts.length > 1) problems.push(`${starts.length} start/resume rows`);
  if (progress.length > 1) problems.push(`${progress.length} progress messages`);
  if (takeover.length > 0) problems.push('a "took over" note');
  if (starts.length === 0) return problems; // refused before it started: no message, no mention expected
  const mention = /\*(succeeded|failed and rolled back|failed|cancelled)\*/.exec(
    String(outcomeReplies[0]?.args.text ?? ''),
  )?.[1];
  if (!channel) problems.push('no final state on the progress message');
  if (outcomeReplies.length !== 1) problems.push(`${outcomeReplies.length} outcome replies to the requester`);
  const said = [channel, mention, results[0]?.decision].map((words) => (words ? normal(words) : undefined));
  if (new Set(said).size > 1) problems.push(`channel "${said[0]}", requester "${said[1]}", audit "${said[2]}"`);
  return problems;
}

// BENCH_FAULTS_DEBUG=<file>: what every process logged, Slack received and the audit log holds about
// each job with a problem, for whoever has to find out what happened to it.
async function writeEvidence(file: string, fleet: Fleet, processes: OpsProcess[], problems: string[], calls: Call[]) {
  const ids = [...new Set(problems.map((problem) => problem.split(':')[0]!))].flatMap((id) => [
    id,
    id.replace('deploy-', 'plan-'),
  ]);
  const about = (value: unknown) => ids.some((id) => JSON.stringify(value).includes(id));
  const lines = processes.flatMap((child) =>
    child
      .logs()
      .filter(about)
      .map((line) => ({ role: child.role, pid: child.pid, ...line })),
  );
  const client = new pg.Client({ connectionString: databaseUrl(fleet.database) });
  await client.connect();
  const audit = await client.query('SELECT * FROM audit_events ORDER BY id').finally(() => client.end());
  const evidence = { problems, lines, audit: audit.rows.filter(about), slack: calls.filter(about) };
  await writeFile(file, JSON.stringify(evidence, null, 2));
}

// outcome_mismatches: 100 staging deploys (no approval, small rollouts) on two bot and two worker
// processes, with their Redis (a private redis-server with an append-only file) restarted every 10 s.
// For each deploy job: the progress message's final state, the outcome reply that tells the requester,
// and the audit log's result row must agree, once each; an error reply to the requester counts too.
export async function outcomes(): Promise<ScenarioResult> {
  const redis = await PrivateRedis.start();
  const fleet = await Fleet.start({
    services: Array.from({ length: LANES }, (_, index) => `svc-${index}`),
    redisUrl: redis.url,
    podReadyMs: POD_READY_MS,
  });
  const jobs: string[] = [];
  const refusedAcks: number[] = [];
  let restarts = 0;
  let stopRestarts = false;
  const problems: string[] = [];
  const told: Record<string, number> = {};
  try {
    const processes = await fleet.spawn(['bot', 'bot', 'worker', 'worker']);
    const bots = processes.slice(0, 2).map((process) => process.url);
    const restarting = (async () => {
      while (!stopRestarts) {
        await sleep(RESTART_EVERY_MS);
        if (stopRestarts) break;
        await redis.restart(DOWN_MS);
        restarts += 1;
      }
    })();
    const perLane = Math.ceil(DEPLOYS / LANES);
    await Promise.all(
      Array.from({ length: LANES }, (_, index) =>
        lane(fleet, bots, index, Math.min(perLane, DEPLOYS - index * perLane), jobs, refusedAcks),
      ),
    );
    stopRestarts = true;
    await restarting;
    // Late duplicates (a stalled job run again) would show up within a lock period or two.
    await sleep(5_000);
    const calls = ((await (await fetch(`${fleet.slack.url}/_sim/calls?after=0`)).json()) as { calls: Call[] }).calls;
    const rows = await auditRows(fleet, jobs);
    for (const jobId of jobs) for (const problem of judge(jobId, calls, rows)) problems.push(`${jobId}: ${problem}`);
    for (const row of rows.filter((candidate) => candidate.event === 'result'))
      told[row.decision] = (told[row.decision] ?? 0) + 1;
    const errorReplies = calls.filter(
      (call) =>
        ['response_url', 'chat.postEphemeral'].includes(call.method) &&
        String(call.args.text).includes('Something went wrong'),
    );
    for (const reply of errorReplies)
      problems.push(`error reply to the requester: ${String(reply.args.text).slice(0, 120)}`);
    if (problems.length > 0 && process.env.BENCH_FAULTS_DEBUG)
      await writeEvidence(process.env.BENCH_FAULTS_DEBUG, fleet, processes, problems, calls);
    const crashed = processes.filter((process) => process.crashed);
    for (const process of crashed) problems.push(`a ${process.role} process crashed`);
  } finally {
    stopRestarts = true;
    await fleet.stop();
    await redis.stop();
  }
  return {
    figures: { outcome_mismatches: problems.length },
    notes: {
      outcomes_setup: `${jobs.length} staging deploys over ${LANES} services (one lane each), 2 ROLE=bot + 2 ROLE=worker processes on a private AOF redis-server restarted ${restarts} times (every ${RESTART_EVERY_MS / 1000} s, down ${DOWN_MS} ms); requests refused at the ack while Redis was down were sent again (${refusedAcks.length})`,
      outcomes_results: Object.entries(told)
        .map(([decision, count]) => `${decision} ${count}`)
        .join(', '),
      outcome_problems: problems.length > 0 ? problems.slice(0, 20).join(' | ') : 'none',
    },
  };
}
