import { readFile } from 'node:fs/promises';
import { ackRatio } from './faults/ack-ratio.ts';
import { outcomes } from './faults/outcomes.ts';
import { pgBlackholed } from './faults/pg-blackholed.ts';
import { rss } from './faults/rss.ts';
import { storm } from './faults/storm.ts';
import type { ScenarioResult } from './faults/scenario.ts';
import { report, type Figures } from './lib/results.ts';

// faults: the ack path and the job's outcome under load and faults, with ops-bot as production runs it
// (separate bot and worker processes). BENCH_FAULTS_ONLY=ack,pg,storm,rss,outcomes runs some of
// them; their figures replace those in bench/results/faults.json and the others are kept.
const SCENARIOS: Record<string, () => Promise<ScenarioResult>> = {
  ack: ackRatio,
  pg: pgBlackholed,
  storm,
  rss,
  outcomes,
};

export async function faultsBenchmark(): Promise<void> {
  const only = process.env.BENCH_FAULTS_ONLY?.split(',').filter(Boolean);
  const chosen = only ?? Object.keys(SCENARIOS);
  const unknown = chosen.filter((name) => !SCENARIOS[name]);
  if (unknown.length > 0)
    throw new Error(`unknown faults scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const earlier = only ? await previous() : { figures: {}, notes: {} };
  const figures: Figures = { ...earlier.figures };
  const notes: Record<string, string | number> = { ...earlier.notes };
  for (const name of chosen) {
    process.stderr.write(`faults: ${name}…\n`);
    const result = await SCENARIOS[name]!();
    Object.assign(figures, result.figures);
    Object.assign(notes, result.notes);
  }
  await report('faults', figures, notes);
}

async function previous(): Promise<ScenarioResult> {
  try {
    const text = await readFile(new URL('./results/faults.json', import.meta.url), 'utf8');
    return JSON.parse(text) as ScenarioResult;
  } catch {
    return { figures: {}, notes: {} };
  }
}
