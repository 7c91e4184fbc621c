import { randomBytes } from 'node:crypto';
import type { OpsProcess } from '../../test/support/ops-process.ts';
import { BENCH_SECRET, Fleet } from '../lib/fleet.ts';
import { buttonBody, openLoop, reactionEventBody, slashCommandBody } from '../lib/load.ts';
import { round } from '../lib/stats.ts';
import { env, sleep, type ScenarioResult } from './scenario.ts';

// Warm-up lasts until V8's heap has grown to the size it keeps: with 10,000 requests the heap was still
// growing (221 → 355 MB total while its live part stayed ~80-120 MB), which read as 80 MB of "growth";
// after 40,000 it holds its size, and what grows after that would be a leak.
const WARMUP = env('BENCH_FAULTS_RSS_WARMUP', 40_000);
const REQUESTS = env('BENCH_FAULTS_RSS_REQUESTS', 50_000);
const RATE = env('BENCH_FAULTS_RSS_RATE', 250);
const QUIET_MS = env('BENCH_FAULTS_RSS_QUIET_MS', 15_000);
const SAMPLES = 7;
const MB = 1024 * 1024;

const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;
const ENGINEERS = ['U0ALICE001', 'U0BOB00002', 'U0CAROL003', 'U0DAVE0004', 'U0ERIN0005'];

// Ten kinds of request, each with its own user, channel and response_url where it has one: what
// could fill a cache keyed by user, channel, group, job, action id or text if one had no bound.
export function variedRequest(index: number, sink: string): string {
  const options = { user: `U0${hex(4)}`, channel: `C0${hex(4)}`, responseUrl: `${sink}/${hex(6)}` };
  switch (index % 10) {
    case 0:
      return slashCommandBody(
        '/ops',
        pick(['help', 'help deploy', 'help rollback', 'help incident', 'freeze']),
        options,
      );
    case 1:
      return slashCommandBody('/ops', 'whoami', options);
    case 2:
      return slashCommandBody('/deploy', `checkout 1.${index % 97}.${index % 13} to staging --dry-run`, {
        ...options,
        user: pick(ENGINEERS),
      });
    case 3:
      return slashCommandBody('/deploy', `svc-${hex(3).toLowerCase()} 1.0.0 to staging`, {
        ...options,
        user: pick(ENGINEERS),
      });
    case 4:
      return slashCommandBody('/ops', 'status', options);
    case 5:
      return slashCommandBody('/ops', `${hex(2)} ${'x'.repeat(index % 300)} ${hex(8)}`, options);
    case 6:
      return buttonBody({ actionId: `made_up_${hex(3)}`, messageTs: `${Date.now() / 1000}` }, options);
    case 7:
      return buttonBody(
        { actionId: 'approval_approve', value: `apr-${hex(8)}`, messageTs: `${Date.now() / 1000}` },
        options,
      );
    case 8:
      return reactionEventBody({
        user: options.user,
        channel: options.channel,
        ts: `${Date.now() / 1000}`,
        reaction: pick(['white_check_mark', 'x', 'eyes']),
      });
    default:
      return slashCommandBody('/ops', `status whoami-${hex(8).toLowerCase()}`, options);
  }
}

// The bot's resident set after a quiet period: sampled every 2 s, the median of the samples (a
// garbage collection or a timer's allocation can move one sample; nothing calls gc from outside).
async function steadyRss(bot: OpsProcess): Promise<{ median: number; samples: number[]; heap: string }> {
  await sleep(QUIET_MS);
  const samples: number[] = [];
  for (let index = 0; index < SAMPLES; index += 1) {
    samples.push((await bot.rssBytes()) / MB);
    await sleep(2_000);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, samples, heap: await heapOf(bot) };
}

// V8's heap as the bot's /metrics reports it: RSS follows the collector's sawtooth, this says where in it.
async function heapOf(bot: OpsProcess): Promise<string> {
  const metrics = await (await fetch(`${bot.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^opsbot_${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? NaN) / MB;
  return `heap used ${round(value('nodejs_heap_size_used_bytes'), 1)} MB of ${round(value('nodejs_heap_size_total_bytes'), 1)} MB, external ${round(value('nodejs_external_memory_bytes'), 1)} MB`;
}

// rss_growth_mb_50k: one ROLE=bot process (a ROLE=worker runs the jobs it enqueues), warmed up with
// 10,000 varied requests, then 50,000 more; the growth of its steady resident set between the two.
export async function rss(): Promise<ScenarioResult> {
  const fleet = await Fleet.start({ services: ['checkout'] });
  let before: Awaited<ReturnType<typeof steadyRss>>;
  let after: Awaited<ReturnType<typeof steadyRss>>;
  const counts = { warmup: 0, measured: 0, errors: 0 };
  try {
    const heapCap = process.env.BENCH_FAULTS_RSS_NODE_OPTIONS;
    const [bot] = await fleet.spawn(['bot', 'worker'], heapCap ? { NODE_OPTIONS: heapCap } : {});
    const load = async (total: number, offset: number) => {
      const result = await openLoop(bot!.url, BENCH_SECRET, RATE, (total / RATE) * 1000, (index) =>
        variedRequest(offset + index, fleet.slack.sink),
      );
      counts.errors += result.errors;
      return result.latencies.length + result.errors;
    };
    counts.warmup = await load(WARMUP, 0);
    before = await steadyRss(bot!);
    counts.measured = await load(REQUESTS, WARMUP);
    after = await steadyRss(bot!);
    if (bot!.crashed) throw new Error(`the bot crashed: ${bot!.output().slice(-800)}`);
  } finally {
    await fleet.stop();
  }
  return {
    figures: { rss_growth_mb_50k: round(after.median - before.median, 1) },
    notes: {
      rss_setup: `one ROLE=bot process (and a ROLE=worker); ${counts.warmup} varied requests to warm up, then ${counts.measured} at ${RATE}/s: /ops help|whoami|status|junk text, /deploy dry runs and unknown services, unknown and approval buttons, reaction events, each with its own random user, channel and response_url`,
      rss_method: `VmRSS from /proc after ${QUIET_MS / 1000} s without requests, ${SAMPLES} samples 2 s apart, the median; growth = after − after warm-up`,
      rss_after_warmup_mb: round(before.median, 1),
      rss_after_mb: round(after.median, 1),
      rss_samples_after_warmup_mb: before.samples.map((sample) => round(sample, 1)).join(' '),
      rss_samples_after_mb: after.samples.map((sample) => round(sample, 1)).join(' '),
      rss_heap_after_warmup: before.heap,
      rss_heap_after: after.heap,
      rss_non_200_answers: counts.errors,
    },
  };
}
