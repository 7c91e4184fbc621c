import { BENCH_SECRET, Fleet } from '../lib/fleet.ts';
import { sendSigned, slashCommandBody } from '../lib/load.ts';
import { round } from '../lib/stats.ts';
import { env, sleep, until, type ScenarioResult } from './scenario.ts';

const RUNS = env('BENCH_FAULTS_STORM_RUNS', 5);
const RETRY_AFTER_S = env('BENCH_FAULTS_RETRY_AFTER_S', 2);
const STORM_MS = env('BENCH_FAULTS_STORM_MS', 6_000);
const STORMED = ['chat.update', 'chat.postMessage', 'chat.postEphemeral', 'chat.getPermalink'];
const FINAL = /: (succeeded|failed|cancelled|failed and rolled back)\b/;

type Call = { seq: number; at: number; method: string; ok: boolean; args: Record<string, unknown> };

async function callsAfter(simUrl: string, seq: number): Promise<Call[]> {
  return ((await (await fetch(`${simUrl}/_sim/calls?after=${seq}`)).json()) as { calls: Call[] }).calls;
}

// final_after_429_storm_ms: a staging deploy posts its progress message, then every Web API call
// answers 429 (Retry-After 2 s) for 6 s while the rollout finishes underneath. From the storm's end to
// the final state landing on the progress message, with the worker's production retry settings
// (a real ROLE=worker process): it must be within Retry-After + 1 s. The worst of the runs.
export async function storm(): Promise<ScenarioResult> {
  const fleet = await Fleet.start({ services: ['checkout'], podReadyMs: 600 });
  const delays: number[] = [];
  const outcomeDelays: number[] = [];
  try {
    const [bot] = await fleet.spawn(['bot', 'worker']);
    for (let run = 0; run < RUNS; run += 1) {
      const { lastSeq } = await fleet.control<{ lastSeq: number }>('slack', 'now');
      const [responseUrl] = (
        await fleet.control<{ urls: string[] }>('slack', 'response-urls', {
          channel: 'C0DEPLOYS01',
          user: 'U0ALICE001',
        })
      ).urls;
      const body = slashCommandBody('/deploy', `checkout 1.5.${run} to staging`, { responseUrl: responseUrl! });
      const ack = await sendSigned(bot!.url, BENCH_SECRET, body);
      if (ack.status !== 200) throw new Error(`the deploy was not accepted: ${ack.status} ${ack.text}`);
      // The progress message is posted; from now on Slack answers 429 to everything for a while.
      const posted = await until(
        async () =>
          (await callsAfter(fleet.slack.url, lastSeq)).find((call) => call.method === 'chat.postMessage' && call.ok),
        30_000,
        'the progress message',
      );
      await fleet.control('slack', 'storm', { methods: STORMED, retryAfter: RETRY_AFTER_S });
      await sleep(STORM_MS);
      const calm = await fleet.control<{ at: number }>('slack', 'calm');
      const ts = String((posted as Call & { result?: { ts?: string } }).result?.ts ?? '');
      const final = await until(
        async () =>
          (await callsAfter(fleet.slack.url, posted.seq)).find(
            (call) =>
              call.method === 'chat.update' && call.ok && call.args.ts === ts && FINAL.test(String(call.args.text)),
          ),
        30_000,
        'the final progress message',
      );
      delays.push(final.at - calm.at);
      const outcome = await until(
        async () =>
          (await callsAfter(fleet.slack.url, posted.seq)).find(
            (call) => call.method === 'chat.postMessage' && call.ok && call.args.thread_ts === ts,
          ),
        30_000,
        'the outcome reply in the thread',
      );
      outcomeDelays.push(outcome.at - calm.at);
    }
  } finally {
    await fleet.stop();
  }
  return {
    figures: { final_after_429_storm_ms: round(Math.max(...delays)) },
    notes: {
      storm_setup: `${RUNS} staging deploys; after the progress message is posted, ${STORMED.join(', ')} answer 429 with Retry-After ${RETRY_AFTER_S} s for ${STORM_MS} ms while the rollout completes; one ROLE=bot and one ROLE=worker process (production Slack retry settings); the figure is the worst run (limit ${RETRY_AFTER_S * 1000 + 1000} ms)`,
      storm_final_ms_per_run: delays.map((delay) => round(delay)).join(' '),
      storm_outcome_reply_ms_per_run: outcomeDelays.map((delay) => round(delay)).join(' '),
    },
  };
}
