import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { eventually } from './eventually.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

export type Role = 'bot' | 'worker' | 'all';

// One ops-bot process started through the real entry point (src/main.ts), as production runs it.
// Its JSON log lines are kept so a scenario can say what each process saw when it fails, and an
// exit nobody asked for is a crash.
export class OpsProcess {
  readonly role: Role;
  readonly child: ChildProcess;
  readonly #lines: string[] = [];
  #stopping = false;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly #exited: Promise<void>;
  port = 0;

  private constructor(role: Role, child: ChildProcess) {
    this.role = role;
    this.child = child;
    let partial = '';
    const collect = (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      this.#lines.push(...lines);
      // Enough to explain a failure without keeping a long run's every line.
      if (this.#lines.length > 5_000) this.#lines.splice(0, this.#lines.length - 5_000);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve();
      }),
    );
  }

  // `whileStarting` runs beside the wait for "ops-bot started", for what must happen during start-up.
  static async start(
    role: Role,
    env: Record<string, string>,
    whileStarting?: (starting: OpsProcess) => Promise<void>,
  ): Promise<OpsProcess> {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, ROLE: role, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new OpsProcess(role, child);
    const during = whileStarting?.(started);
    await eventually(
      () => {
        if (started.#exit) throw new Error(`exited before it started: ${started.output().slice(-800)}`);
        const line = started.#lines.find((candidate) => candidate.includes('"ops-bot started"'));
        const port = line ? /"port":(\d+)/.exec(line) : null;
        if (!port) throw new Error(`not started yet: ${started.output().slice(-400)}`);
        started.port = Number(port[1]);
      },
      { timeoutMs: 30_000, what: `ops-bot ${role} to start` },
    ).catch(async (error: unknown) => {
      await started.kill();
      throw error;
    });
    await during;
    return started;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  output(): string {
    return this.#lines.join('\n');
  }

  // Parsed JSON log lines (pino), for scenarios that look for what a process logged.
  logs(): Array<Record<string, unknown>> {
    return this.#lines.flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  // Crashed: it exited and nobody stopped or killed it.
  get crashed(): boolean {
    return this.#exit !== undefined && !this.#stopping;
  }

  get exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.#exit;
  }

  async rssBytes(): Promise<number> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status);
    if (!kb) throw new Error(`no VmRSS for pid ${this.pid}`);
    return Number(kb[1]) * 1024;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.#stopping = true;
    if (this.#exit) return;
    this.child.kill(signal);
    await this.#exited;
  }

  // SIGTERM, as an orchestrator stops a pod: running jobs reach a safe point, then exit 0.
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    await this.kill('SIGTERM');
    return this.#exit!;
  }
}
