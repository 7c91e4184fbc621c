import { describe, type Call, type Reader } from './cli-calls.ts';

// How long `npm run slack` keeps printing what the bot does after a command or a click:
// - 'job' (the default): until no job is waiting or running and Slack has been quiet a moment, at most CEILING_MS;
// - 'quiet' (`--wait <seconds>`): until Slack has been quiet that long;
// - 'ever' (`--follow` alone): until Ctrl-C. `--follow` with a command is 'job' without a ceiling.
export type WaitMode = { until: 'job'; ceilingMs: number } | { until: 'quiet'; quietMs: number } | { until: 'ever' };

export const CEILING_MS = 10 * 60_000;
// A job is enqueued while the bot answers, or just after: quiet this long before trusting "no jobs".
const SETTLE_MS = 1_500;
const POLL_MS = 150;
// Jobs that are running or about to; delayed ones (approval expiry, incident clocks, retention) do not count.
const BUSY_STATES = new Set(['active', 'waiting', 'prioritized', 'waiting-children']);

export type Watched = { sim: string; bot: string | undefined; reader: Reader };

export async function watch(watched: Watched, after: number, mode: WaitMode): Promise<void> {
  const started = Date.now();
  let seq = after;
  let lastActivity = Date.now();
  for (;;) {
    for (const call of await callsAfter(watched.sim, seq)) {
      seq = call.seq;
      lastActivity = Date.now();
      const line = describe(call, watched.reader);
      if (line) process.stdout.write(`${line}\n`);
    }
    const quietMs = Date.now() - lastActivity;
    if (mode.until === 'quiet' && quietMs >= mode.quietMs) return;
    if (mode.until === 'job' && quietMs >= SETTLE_MS && (await jobsBusy(watched.bot)) === 0) return;
    if (mode.until === 'job' && Date.now() - started >= mode.ceilingMs) {
      const minutes = Math.round(mode.ceilingMs / 60_000);
      process.stdout.write(
        `── stopped waiting after ${minutes} min; the job may still run: npm run slack -- --follow ──\n`,
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function callsAfter(sim: string, seq: number): Promise<Call[]> {
  const answer = (await (await fetch(`${sim}/_sim/calls?after=${seq}`)).json()) as { calls: Call[] };
  return answer.calls;
}

export async function lastSeq(sim: string): Promise<number> {
  const answer = (await (await fetch(`${sim}/_sim/calls?after=${Number.MAX_SAFE_INTEGER}`)).json()) as {
    lastSeq: number;
  };
  return answer.lastSeq;
}

// Jobs waiting or running in the bot's queues, read from its /metrics (opsbot_queue_jobs, counted at
// scrape time). Any job counts, not only the one this command started: the sandbox is one person's.
// Without the bot's address (--sim given alone) nothing can be counted: 0, so the wait ends when Slack is quiet.
async function jobsBusy(bot: string | undefined): Promise<number> {
  if (!bot) return 0;
  const text = await (await fetch(`${bot}/metrics`)).text();
  let busy = 0;
  for (const match of text.matchAll(/^opsbot_queue_jobs\{([^}]*)\} (\d+)/gm)) {
    const state = /state="([^"]+)"/.exec(match[1]!)?.[1];
    if (state && BUSY_STATES.has(state)) busy += Number(match[2]);
  }
  return busy;
}
