import { describe, type Call, type Reader } from './cli-calls.ts';
import type { Focus } from './cli-focus.ts';
import { learnNames, unknownIds } from './cli-reader.ts';

// How long `npm run slack` keeps printing what the bot does after a command or a click:
// - 'job' (the default): until every job the bot named in what was printed (`job plan-…`, then the
//   `deploy-…` it leads to) has finished and Slack has been quiet a moment, at most `ceilingMs`;
// - 'quiet' (`--wait <seconds>`): until Slack has been quiet that long;
// - 'ever' (`--follow` alone): until Ctrl-C. `--follow` with a command is 'job' without a ceiling.
export type WaitMode = { until: 'job'; ceilingMs: number } | { until: 'quiet'; quietMs: number } | { until: 'ever' };

export const CEILING_MS = 10 * 60_000;
// A job's first post can come a moment after the reply that named it: quiet this long before stopping.
const SETTLE_MS = 1_500;
const POLL_MS = 150;
const JOB_ID = /\b([a-z][a-z-]*-[0-9a-f]{16})\b/g;
const FINISHED = new Set(['completed', 'failed', 'unknown']);

// `focus`: what a command's output is about (the rest of the workspace's activity is left out).
export type Watched = { sim: string; reader: Reader; focus?: Focus };

// `printed`: what was already shown (the reply to the command), so the jobs it names are waited for.
export async function watch(watched: Watched, after: number, mode: WaitMode, printed = ''): Promise<void> {
  const started = Date.now();
  const jobs = new Set(jobIdsIn(printed));
  let seq = after;
  let lastActivity = Date.now();
  for (;;) {
    for (const call of await callsAfter(watched.sim, seq)) {
      seq = call.seq;
      lastActivity = Date.now();
      if (unknownIds(call.args, watched.reader.names)) await learnNames(watched.sim, watched.reader.names);
      const line = describe(call, watched.reader);
      if (!line) continue;
      const lines = watched.focus ? watched.focus.take(call, line, jobs) : [line];
      for (const shown of lines) {
        process.stdout.write(`${shown}\n`);
        for (const id of jobIdsIn(shown)) jobs.add(id);
      }
    }
    const quietMs = Date.now() - lastActivity;
    if (mode.until === 'quiet' && quietMs >= mode.quietMs) return;
    if (mode.until === 'job' && quietMs >= SETTLE_MS && (await allFinished(watched.sim, jobs))) return;
    if (mode.until === 'job' && Date.now() - started >= mode.ceilingMs) {
      const minutes = Math.round(mode.ceilingMs / 60_000);
      const still = [...jobs].join(', ');
      process.stdout.write(`── stopped waiting after ${minutes} min; ${still} may still run (--follow streams) ──\n`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function jobIdsIn(text: string): string[] {
  return [...text.matchAll(JOB_ID)].map((match) => match[1]!);
}

// Finished jobs are forgotten, so each is asked about until it ends, then never again.
async function allFinished(sim: string, jobs: Set<string>): Promise<boolean> {
  for (const id of jobs) {
    const response = await fetch(`${sim}/_sim/job/${encodeURIComponent(id)}`);
    // A simulator that cannot see the bot's jobs: Slack's quiet is all there is to go by.
    if (response.status === 404) return true;
    const { state } = (await response.json()) as { state?: string };
    if (!state || !FINISHED.has(state)) return false;
    jobs.delete(id);
  }
  return true;
}

export async function callsAfter(sim: string, seq: number): Promise<Call[]> {
  const answer = (await (await fetch(`${sim}/_sim/calls?after=${seq}`)).json()) as { calls: Call[] };
  return answer.calls;
}

export async function lastSeq(sim: string): Promise<number> {
  const answer = (await (await fetch(`${sim}/_sim/calls?after=${Number.MAX_SAFE_INTEGER}`)).json()) as {
    lastSeq: number;
  };
  return answer.lastSeq;
}
