import { tagOf } from '../core/plan.ts';
import { JOB_DATA } from '../jobs/job-data.ts';
import type { HandlerDeps } from './deps.ts';
import { withQueue } from './queue-errors.ts';

// A canary deploy that is running now, and the step it is at as its message counts them (1-based over
// the catalog's steps; 0 before its first step is scaled; the last step, 100 %, once stable rolls).
export type RunningCanary = {
  jobId: string;
  service: string;
  env: string;
  step: number;
  percent: number;
  steps: number[];
  // The version stable runs: what an abort leaves running.
  stable: string;
};

export async function runningCanary(deps: HandlerDeps, jobId: string): Promise<RunningCanary | undefined> {
  const job = await withQueue('read', () => deps.queues.queue('deploy').getJob(jobId));
  if (!job) return undefined;
  const data = JOB_DATA.deploy.safeParse(job.data);
  if (!data.success || data.data.plan.strategy !== 'canary' || !data.data.plan.canary) return undefined;
  if ((await withQueue('read', () => job.getState())) !== 'active') return undefined;
  const { plan, resume } = data.data;
  const steps = plan.canary!.steps;
  const step = stepOf(resume, steps);
  const percent = step === 0 ? 0 : steps[step - 1]!;
  return { jobId, service: plan.service, env: plan.env, step, percent, steps, stable: tagOf(plan.from.image) };
}

function stepOf(resume: { stage: string; step?: number | undefined } | undefined, steps: number[]): number {
  if (!resume || resume.stage === 'started') return 0;
  if (resume.stage === 'canary-step') return (resume.step ?? 0) + 1;
  return steps.length;
}

// "step 2 (25 %)", or where the canary is once stable rolls.
export function stepWords(canary: Pick<RunningCanary, 'steps'>, step: number): string {
  if (step === 0) return 'its first step';
  const percent = canary.steps[step - 1] ?? 100;
  return percent >= 100 ? '100 % (stable is rolling)' : `step ${step} (${percent} %)`;
}
