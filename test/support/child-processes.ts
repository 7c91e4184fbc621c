import type { ChildProcess } from 'node:child_process';

// A test that fails half-way must not leave its processes running: they would keep Jest's worker
// alive ("failed to exit gracefully") and keep serving on their ports after the run.
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

// Remembers what a test file spawned, so its afterAll can stop whatever is still running.
export class SpawnedProcesses {
  readonly #children: ChildProcess[] = [];

  track<T extends ChildProcess>(child: T): T {
    this.#children.push(child);
    return child;
  }

  async stopAll(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all(this.#children.map((child) => stopProcess(child, signal)));
  }
}
