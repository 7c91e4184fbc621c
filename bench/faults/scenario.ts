import type { Figures } from '../lib/results.ts';

export type ScenarioResult = { figures: Figures; notes: Record<string, string | number> };

export const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls until `check` returns something other than undefined, or gives up at the deadline.
export async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

// The jobs still to run, from a bot's /metrics (BullMQ's counts, read at scrape time).
export async function busyJobs(botUrl: string): Promise<number> {
  const metrics = await (await fetch(`${botUrl}/metrics`)).text();
  return metrics
    .split('\n')
    .filter((line) => /^opsbot_queue_jobs\{.*state="(active|waiting|prioritized)"/.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

export async function drained(botUrl: string, timeoutMs = 60_000): Promise<void> {
  await until(async () => ((await busyJobs(botUrl)) === 0 ? true : undefined), timeoutMs, 'queues drained');
}
