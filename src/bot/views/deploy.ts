import { planSummary, tagOf, type DeployPlan } from '../../core/plan.ts';
import type { DeploymentState } from '../../core/rollout.ts';
import { formatDuration } from '../../core/duration.ts';
import { code, context, section, view, type View } from './blocks.ts';

export type DeployPhase = 'rolling' | 'succeeded' | 'failed' | 'refused';
export type DeployViewState = { plan: DeployPlan; jobId: string; requester: string; phase: DeployPhase; state: DeploymentState | undefined; elapsedMs: number; detail?: string | undefined };

function bar(ready: number, desired: number): string {
  const width = 10;
  const filled = desired === 0 ? width : Math.round((Math.min(ready, desired) / desired) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${ready}/${desired}`;
}

const ICON: Record<DeployPhase, string> = { rolling: ':arrows_counterclockwise:', succeeded: ':white_check_mark:', failed: ':x:', refused: ':no_entry:' };

export function deployView(deploy: DeployViewState): View {
  const { plan, state } = deploy;
  const headline = `${ICON[deploy.phase]} *${plan.service}* ${code(tagOf(plan.from.image))} → ${code(plan.to.version)} in *${plan.env}* — ${deploy.phase === 'rolling' ? 'rolling out' : deploy.phase}`;
  const ready = state ? bar(state.available, state.desired) : '';
  const text = `${plan.service} ${plan.to.version} to ${plan.env}: ${deploy.phase}${deploy.detail ? ` — ${deploy.detail}` : ''}`;
  return view(text, [
    section(`${headline}${ready ? `\n${ready}` : ''}${deploy.detail ? `\n${deploy.detail}` : ''}`),
    context(`${plan.strategy} · by <@${deploy.requester}> · ${formatDuration(deploy.elapsedMs)} · job ${code(deploy.jobId)} · ${planSummary(plan)}`),
  ]);
}
