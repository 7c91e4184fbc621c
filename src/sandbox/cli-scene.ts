import { describe, type Call, type Reader } from './cli-calls.ts';
import { callsAfter, lastSeq } from './cli-watch.ts';
import type { ScenePlay, SceneSummary } from './scenes/types.ts';

// `npm run slack -- --scene <name>`: starts a scene in the sandbox and follows it, narration and the
// bot's messages interleaved, until it finished (exit 0) or stopped (exit 1, naming the step).
const POLL_MS = 150;

type ScenesAnswer = { ok: boolean; error?: string; scenes?: SceneSummary[]; current?: ScenePlay };

export async function listScenes(sim: string): Promise<number> {
  const answer = await scenesCall(sim, 'GET', '');
  if (!answer.ok) return failed(answer.error);
  const width = Math.max(...(answer.scenes ?? []).map((scene) => scene.name.length));
  for (const scene of answer.scenes ?? [])
    process.stdout.write(`${scene.name.padEnd(width)}  ${scene.title} (${scene.steps} steps)\n`);
  process.stdout.write('Play one: npm run slack -- --scene <name>\n');
  return 0;
}

export async function playScene(sim: string, name: string, reader: Reader): Promise<number> {
  let seq = await lastSeq(sim);
  const started = await scenesCall(sim, 'POST', `/${encodeURIComponent(name)}`);
  if (!started.ok || !started.current) return failed(started.error);
  process.stdout.write(`══ scene ${started.current.name}: ${started.current.title} ══\n`);
  let narrated = 0;
  for (;;) {
    // Calls first: a line said after they were read comes after every one of them.
    const calls = await callsAfter(sim, seq);
    const { current } = await scenesCall(sim, 'GET', '/current');
    if (!current || current.name !== name) return failed('another scene took over');
    // Each narration line goes before the bot's messages that came after it was said.
    for (const line of current.lines.slice(narrated)) {
      seq = printCalls(calls, seq, line.seq, reader);
      process.stdout.write(`▶ ${line.step > 0 ? `step ${line.step}/${line.of}` : 'sandbox'}: ${line.say}\n`);
    }
    narrated = current.lines.length;
    seq = printCalls(calls, seq, Number.POSITIVE_INFINITY, reader);
    if (current.state === 'finished') {
      process.stdout.write(`══ scene ${name} finished ══\n`);
      return 0;
    }
    if (current.state === 'stopped') return failed(current.error);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

// Prints the calls after `from` up to `upTo`; returns the last printed seq.
function printCalls(calls: Call[], from: number, upTo: number, reader: Reader): number {
  let seq = from;
  for (const call of calls) {
    if (call.seq <= seq || call.seq > upTo) continue;
    seq = call.seq;
    const line = describe(call, reader);
    if (line) process.stdout.write(`${line}\n`);
  }
  return seq;
}

async function scenesCall(sim: string, method: 'GET' | 'POST', path: string): Promise<ScenesAnswer> {
  const response = await fetch(`${sim}/_sim/scenes${path}`, { method });
  return (await response.json()) as ScenesAnswer;
}

function failed(error: string | undefined): number {
  process.stderr.write(`${error ?? 'the scene could not be played'}\n`);
  return 1;
}
