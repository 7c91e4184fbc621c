import pg from 'pg';
import { databaseUrl } from '../../test/support/services.ts';
import type { SentinelRedis } from '../../test/support/sentinel-redis.ts';
import { sleep, until } from '../faults/scenario.ts';
import { BENCH_SECRET, type Fleet } from '../lib/fleet.ts';
import { sendSigned, slashCommandBody } from '../lib/load.ts';
import { acceptingAgainAt, probeCommands, watchSentinel, type ProbeAnswer } from './probe.ts';

const FINAL = /: (succeeded|failed and rolled back|failed|cancelled)\b/;
// After the final message, long enough for a second run of the job (a stalled check) to show itself.
const LATE_DUPLICATES_MS = 3_000;

type Call = { seq: number; at: number; method: string; ok: boolean; args: Record<string, unknown>; result?: unknown };

export type RoundResult = {
  odownMs: number | undefined;
  switchMasterMs: number | undefined;
  acceptingMs: number | undefined;
  finalMs: number | undefined;
  finalMessages: number;
  outcomeReplies: number;
  patches: number;
  resultRows: number;
  answers: ProbeAnswer[];
};

async function callsAfter(fleet: Fleet, seq: number): Promise<Call[]> {
  return ((await (await fetch(`${fleet.slack.url}/_sim/calls?after=${seq}`)).json()) as { calls: Call[] }).calls;
}

// Top-level messages (by ts) whose headline carries this deploy's outcome, and the first time one did.
function finalsOf(calls: Call[], subject: string): { at: number | undefined; count: number } {
  const finals = calls.filter(
    (call) =>
      call.ok &&
      ['chat.postMessage', 'chat.update'].includes(call.method) &&
      !call.args.thread_ts &&
      String(call.args.text ?? '').startsWith(`${subject}: `) &&
      FINAL.test(String(call.args.text)),
  );
  const tsOf = (call: Call) => String(call.args.ts ?? (call.result as { ts?: string } | undefined)?.ts);
  return { at: finals[0]?.at, count: new Set(finals.map(tsOf)).size };
}

async function resultRows(fleet: Fleet, jobId: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl(fleet.database) });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT 1 FROM audit_events WHERE job_id = $1 AND event = 'result'`, [jobId]);
    return rows.length;
  } finally {
    await client.end();
  }
}

async function responseUrl(fleet: Fleet): Promise<string> {
  const { urls } = await fleet.control<{ urls: string[] }>('slack', 'response-urls', {
    channel: 'C0DEPLOYS01',
    user: 'U0ALICE001',
  });
  return urls[0]!;
}

// Starts a staging deploy and returns once its PATCH reached the cluster: the rollout is under way.
async function startDeploy(fleet: Fleet, botUrl: string, service: string, version: string) {
  const ack = await sendSigned(
    botUrl,
    BENCH_SECRET,
    slashCommandBody('/deploy', `${service} ${version} to staging`, { responseUrl: await responseUrl(fleet) }),
  );
  const planId = /plan-[0-9a-f]+/.exec(ack.text)?.[0];
  if (!planId) throw new Error(`the deploy was not accepted: ${ack.status} ${ack.text}`);
  const image = `registry.example.com/shop/${service}:${version}`;
  await until(
    async () => {
      const { count } = await fleet.control<{ count: number }>('kube', 'patches', { service, image });
      return count > 0 ? true : undefined;
    },
    30_000,
    `the PATCH of ${service} to ${version}`,
  );
  return { jobId: planId.replace('plan-', 'deploy-'), image };
}

// One failover: a deploy mid-rollout, the primary SIGKILLed, commands probed until the bot takes them
// again and the deploy has ended; then what the deploy left behind, counted.
export async function failoverRound(fleet: Fleet, redis: SentinelRedis, botUrl: string, version: string) {
  const service = 'checkout';
  const subject = `${service} ${version} to staging`;
  const { lastSeq } = await fleet.control<{ lastSeq: number }>('slack', 'now');
  const { jobId, image } = await startDeploy(fleet, botUrl, service, version);
  const sentinel = await watchSentinel(redis.sentinels[0]!.port);
  const probeUrl = await responseUrl(fleet);
  const killedAt = Date.now();
  await redis.killPrimary();
  let final = { at: undefined as number | undefined, count: 0 };
  const watching = until(
    async () => {
      final = finalsOf(await callsAfter(fleet, lastSeq), subject);
      return final.at;
    },
    120_000,
    `the final message of ${subject}`,
  );
  const answers = await probeCommands(
    botUrl,
    probeUrl,
    (sofar) => final.at !== undefined && sentinel.first('+switch-master') !== undefined && !!acceptingAgainAt(sofar),
    120_000,
  );
  await watching;
  await redis.promoted();
  sentinel.close();
  await sleep(LATE_DUPLICATES_MS);
  const calls = await callsAfter(fleet, lastSeq);
  const since = (at: number | undefined) => (at === undefined ? undefined : at - killedAt);
  return {
    odownMs: since(sentinel.first('+odown')),
    switchMasterMs: since(sentinel.first('+switch-master')),
    acceptingMs: since(acceptingAgainAt(answers)),
    finalMs: since(final.at),
    finalMessages: finalsOf(calls, subject).count,
    outcomeReplies: calls.filter(
      (call) => call.method === 'chat.postMessage' && call.ok && JSON.stringify(call.args).includes(`outcome:${jobId}`),
    ).length,
    patches: (await fleet.control<{ count: number }>('kube', 'patches', { service, image })).count,
    resultRows: await resultRows(fleet, jobId),
    answers: answers.filter((answer) => answer.sentAt >= killedAt),
  } satisfies RoundResult;
}
