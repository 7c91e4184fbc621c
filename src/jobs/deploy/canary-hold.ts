import type { CanaryControls, CanaryPause, CanaryPromotion } from '../../adapters/job-signals.ts';
import type { CanaryAct } from '../../bot/views/canary.ts';
import type { DeployPlan } from '../../core/plan.ts';
import { SIGNAL_POLL_MS, type DeployRun } from './run.ts';

export type HoldEnd =
  | { kind: 'elapsed' }
  | { kind: 'promoted'; promotion: CanaryPromotion }
  | { kind: 'abort'; by: string | undefined }
  | { kind: 'cancel' };

// What the hold of one step needs to know: the step (1-based) and its percent, the next percent, how
// long to hold, and the last pause this canary has shown (a pause outlives a step it was made in).
export type HoldStep = { index: number; percent: number; next: number; ms: number };
export type PauseMemory = { shown?: CanaryPause | undefined };

type Clock = { leftMs: number; last: number };

// Holds the step for `ms` of unpaused time. Pause stops the clock (and survives a Promote: the next
// step then holds paused too, since whoever paused asked for nothing to move by itself); a
// promotion recorded for this very step ends the hold. If Redis cannot be read the hold keeps the
// pause it last saw: an unreadable Redis must not let a paused canary run on.
export async function holdStep(run: DeployRun<DeployPlan>, step: HoldStep, memory: PauseMemory): Promise<HoldEnd> {
  const clock: Clock = { leftMs: step.ms, last: Date.now() };
  let paused = memory.shown;
  show(run, step, clock, paused);
  for (;;) {
    const stopped = stopSignal(run);
    if (stopped) return stopped;
    const controls = await run.deps.signals.canaryControls(run.jobId, step.index).catch(() => undefined);
    if (controls?.promotion) return { kind: 'promoted', promotion: controls.promotion };
    const now = Date.now();
    if (!paused) clock.leftMs -= now - clock.last;
    clock.last = now;
    if (controls && controls.pause?.at !== paused?.at) {
      act(run, controls, paused, step.percent);
      paused = controls.pause;
      memory.shown = paused;
      show(run, step, clock, paused);
    }
    if (!paused && clock.leftMs <= 0) return { kind: 'elapsed' };
    await new Promise((resolve) =>
      setTimeout(resolve, paused ? SIGNAL_POLL_MS : Math.min(SIGNAL_POLL_MS, clock.leftMs)),
    );
  }
}

function stopSignal(run: DeployRun<DeployPlan>): HoldEnd | undefined {
  if (run.signalled() === 'abort') return { kind: 'abort', by: run.signalledBy() };
  if (run.stop.signal.aborted || run.signalled() === 'cancel') return { kind: 'cancel' };
  return undefined;
}

function show(run: DeployRun<DeployPlan>, step: HoldStep, clock: Clock, paused: CanaryPause | undefined): void {
  const hold = paused
    ? { next: step.next, paused: { by: paused.by, leftMs: Math.max(0, clock.leftMs) } }
    : { next: step.next, until: new Date(Date.now() + Math.max(0, clock.leftMs)) };
  run.set({ phase: 'holding', hold }, true);
}

function act(
  run: DeployRun<DeployPlan>,
  controls: CanaryControls,
  before: CanaryPause | undefined,
  percent: number,
): void {
  const acts: CanaryAct[] = [...(run.progress.acts ?? [])];
  if (before && controls.resumed) acts.push({ kind: 'resumed', percent, by: controls.resumed.by });
  if (controls.pause) acts.push({ kind: 'paused', percent, by: controls.pause.by });
  run.set({ acts });
}
