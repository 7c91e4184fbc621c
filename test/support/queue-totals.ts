import type { RunningOpsBot } from '../../src/start.ts';

// Every job a request could have enqueued, whatever its state: "nothing was enqueued" means this did
// not move. The daily retention report is scheduled by the worker itself, on its own clock.
export async function totalJobs(bot: RunningOpsBot): Promise<number> {
  let total = 0;
  for (const [kind, counts] of await bot.queues.counts())
    if (kind !== 'backup-retention') total += Object.values(counts).reduce((sum, count) => sum + count, 0);
  return total;
}

export async function metricsText(bot: RunningOpsBot): Promise<string> {
  return (await fetch(`${bot.url}/metrics`)).text();
}

export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) && wanted.every((label) => candidate.includes(label)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
