import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';

// CPU time from /proc (Linux): where the machine's two cores went during a run, per process and in
// total, so a figure can be read against what else was competing for them.
const TICKS_PER_SECOND = 100;

export async function cpuSecondsOf(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state: utime is the 12th of those.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

// Busy CPU-seconds of the whole machine (all cores), from /proc/stat.
export async function machineBusySeconds(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_SECOND;
}

// Accumulates CPU use over the measured stretches of a run (not the warm-up, not the baseline's rounds).
export class CpuMeter {
  readonly #pids: () => Promise<Record<string, number[]>>;
  readonly #used: Record<string, number> = {};
  #machine = 0;
  #seconds = 0;
  #open: { at: number; machine: number; byName: Record<string, number> } | undefined;
  #watched: Record<string, number[]> = {};

  constructor(pids: () => Promise<Record<string, number[]>>) {
    this.#pids = pids;
  }

  async start(): Promise<void> {
    this.#watched = await this.#pids();
    this.#open = await this.#sample();
  }

  async stop(): Promise<void> {
    const before = this.#open;
    if (!before) return;
    const after = await this.#sample();
    this.#open = undefined;
    this.#seconds += (after.at - before.at) / 1000;
    this.#machine += after.machine - before.machine;
    for (const [name, seconds] of Object.entries(after.byName))
      this.#used[name] = (this.#used[name] ?? 0) + seconds - (before.byName[name] ?? 0);
  }

  // CPU-seconds the named processes used while measuring.
  used(name: string): number {
    return this.#used[name] ?? 0;
  }

  // "bots 0.62 cores, workers 0.41, …": average cores used while measuring.
  summary(): string {
    const cores = (value: number) => (value / Math.max(this.#seconds, 0.001)).toFixed(2);
    const ours = Object.values(this.#used).reduce((sum, seconds) => sum + seconds, 0);
    const parts = Object.entries(this.#used).map(([name, seconds]) => `${name} ${cores(seconds)}`);
    return `${parts.join(', ')}, everything else (other work on the machine) ${cores(this.#machine - ours)}; machine busy ${cores(this.#machine)} of ${cpus().length} cores`;
  }

  async #sample() {
    const byName: Record<string, number> = {};
    for (const [name, list] of Object.entries(this.#watched))
      byName[name] = (await Promise.all(list.map(cpuSecondsOf))).reduce((sum, seconds) => sum + seconds, 0);
    return { at: performance.now(), machine: await machineBusySeconds(), byName };
  }
}
