import { planSummary, tagOf, type WorkloadPlan } from '../../core/plan.ts';
import { esc } from '../../core/mrkdwn.ts';
import { formatDuration } from '../../core/duration.ts';
import { actions, code, context, section, view, type Block, type Button, type View } from './blocks.ts';

export type DeployPhase =
  | 'starting'
  | 'rolling'
  | 'verifying'
  | 'switching'
  | 'holding'
  | 'rolling-back'
  | 'succeeded'
  | 'failed'
  | 'rolled-back'
  | 'cancelled'
  | 'aborted';
export const FINAL_PHASES: DeployPhase[] = ['succeeded', 'failed', 'rolled-back', 'cancelled', 'aborted'];

export type DeployProgress = {
  phase: DeployPhase;
  startedAt: Date;
  finishedAt?: Date | undefined;
  ready: number;
  desired: number;
  step?: { index: number; count: number; percent: number; replicas: number } | undefined;
  colour?: { from: string; to: string; switched: boolean } | undefined;
  problems: { pod: string; reason: string; message: string }[];
  failure?: string | undefined;
  rollback?:
    | {
        version: string;
        revision?: number | undefined;
        outcome: 'running' | 'succeeded' | 'failed';
        detail?: string | undefined;
      }
    | undefined;
  note?: string | undefined;
};

export type DeployViewState = { plan: WorkloadPlan; jobId: string; requester: string; progress: DeployProgress };

export const DEPLOY_CANCEL = 'deploy_cancel';
export const CANARY_PROMOTE = 'canary_promote';
export const CANARY_ABORT = 'canary_abort';
export const DEPLOY_ROLLBACK = 'deploy_rollback';

// What a Rollback button carries: the target, never a plan (the plan is made when it is pressed).
export function rollbackButtonValue(service: string, env: string, revision?: number): string {
  return JSON.stringify({ service, env, ...(revision !== undefined ? { revision } : {}) });
}

const ROLLBACK_WORDS: Partial<Record<DeployPhase, string>> = {
  rolling: 'rolling back',
  switching: 'switching traffic back',
  succeeded: 'rolled back',
  failed: 'rollback failed',
};

const HEADLINE: Record<DeployPhase, [string, string]> = {
  starting: [':hourglass_flowing_sand:', 'starting'],
  rolling: [':arrows_counterclockwise:', 'rolling out'],
  verifying: [':stethoscope:', 'checking health'],
  switching: [':twisted_rightwards_arrows:', 'switching traffic'],
  holding: [':hatching_chick:', 'canary holding'],
  'rolling-back': [':rewind:', 'rolling back'],
  succeeded: [':white_check_mark:', 'succeeded'],
  failed: [':x:', 'failed'],
  'rolled-back': [':leftwards_arrow_with_hook:', 'failed and rolled back'],
  cancelled: [':octagonal_sign:', 'cancelled'],
  aborted: [':no_entry_sign:', 'canary aborted'],
};

function bar(ready: number, desired: number): string {
  const width = 12;
  const filled = desired <= 0 ? width : Math.round((Math.min(ready, desired) / desired) * width);
  return `\`${'█'.repeat(filled)}${'░'.repeat(width - filled)}\` ${ready}/${desired} ready`;
}

// Time since start rendered by each Slack client ({ago}), so the message need not be edited to stay true.
function since(at: Date): string {
  return `<!date^${Math.floor(at.getTime() / 1000)}^started {ago}|started ${at.toISOString().slice(11, 16)} UTC>`;
}

export function isFinal(phase: DeployPhase): boolean {
  return FINAL_PHASES.includes(phase);
}

export function deployView(state: DeployViewState): View {
  const { plan, progress } = state;
  const [phaseIcon, phaseWords] = HEADLINE[progress.phase];
  const rollback = plan.kind === 'rollback';
  const words = (rollback ? ROLLBACK_WORDS[progress.phase] : undefined) ?? phaseWords;
  const icon = rollback && progress.phase === 'succeeded' ? ':leftwards_arrow_with_hook:' : phaseIcon;
  const target =
    rollback && plan.to.revision !== undefined
      ? `${code(plan.to.version)} (rev ${plan.to.revision})`
      : code(plan.to.version);
  const lines = [`${icon} *${plan.service}* ${code(tagOf(plan.from.image))} → ${target} in *${plan.env}* — ${words}`];
  if (!isFinal(progress.phase) || progress.phase === 'succeeded') lines.push(bar(progress.ready, progress.desired));
  if (progress.step)
    lines.push(
      `canary step ${progress.step.index} of ${progress.step.count}: ${progress.step.percent}% (${progress.step.replicas} pod${progress.step.replicas === 1 ? '' : 's'})`,
    );
  if (progress.colour)
    lines.push(
      `${progress.colour.from} → ${progress.colour.to}${progress.colour.switched ? ' (traffic switched)' : ''}`,
    );
  if (progress.failure) lines.push(`*Why:* ${progress.failure}`);
  for (const problem of progress.problems.slice(0, 3))
    lines.push(
      `• ${code(problem.pod)} ${problem.reason}${problem.message ? `: ${problem.message.slice(0, 160)}` : ''}`,
    );
  if (progress.rollback) {
    const outcome = { running: 'rolling back to', succeeded: 'rolled back to', failed: 'could not roll back to' }[
      progress.rollback.outcome
    ];
    lines.push(
      `:leftwards_arrow_with_hook: Automatic rollback: ${outcome} ${code(progress.rollback.version)}${progress.rollback.revision !== undefined ? ` (rev ${progress.rollback.revision})` : ''}${progress.rollback.detail ? ` — ${progress.rollback.detail}` : ''}`,
    );
  }
  if (progress.note) lines.push(progress.note);
  const took = progress.finishedAt
    ? `took ${formatDuration(progress.finishedAt.getTime() - progress.startedAt.getTime())}`
    : since(progress.startedAt);
  const blocks: Block[] = [
    section(lines.join('\n')),
    context(
      `${plan.strategy} · by <@${state.requester}> · ${took} · job ${code(state.jobId)}${plan.reason ? ` · ${esc(plan.reason)}` : ''}`,
    ),
  ];
  const buttons: Button[] = [];
  if (!isFinal(progress.phase)) {
    if (plan.strategy === 'canary' && progress.phase === 'holding') {
      buttons.push({ actionId: CANARY_PROMOTE, text: 'Promote', value: state.jobId, style: 'primary' });
      buttons.push({ actionId: CANARY_ABORT, text: 'Abort', value: state.jobId, style: 'danger' });
    }
    buttons.push({
      actionId: DEPLOY_CANCEL,
      text: 'Cancel',
      value: state.jobId,
      confirm: {
        title: 'Stop this deploy?',
        text: 'ops-bot stops following the rollout; what already changed in the cluster stays until you roll back.',
        confirm: 'Stop',
        deny: 'Keep going',
      },
    });
  } else if (!rollback) {
    buttons.push({
      actionId: DEPLOY_ROLLBACK,
      text: 'Rollback',
      value: rollbackButtonValue(plan.service, plan.env),
      style: 'danger',
      confirm: {
        title: `Roll ${plan.service} back in ${plan.env}?`,
        text: 'ops-bot plans a rollback to the revision before the current one, with the approvals the environment asks for.',
        confirm: 'Plan rollback',
        deny: 'Back',
      },
    });
  }
  if (buttons.length > 0) blocks.push(actions(`deploy:${state.jobId}`, buttons));
  const subject = rollback
    ? `${plan.service} rollback to ${plan.to.version} in ${plan.env}`
    : `${plan.service} ${plan.to.version} to ${plan.env}`;
  const summary = `${subject}: ${words}${progress.finishedAt ? ` (${formatDuration(progress.finishedAt.getTime() - progress.startedAt.getTime())})` : ''}`;
  const detail = [
    progress.failure,
    progress.rollback ? `rollback to ${progress.rollback.version}: ${progress.rollback.outcome}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  return view(`${summary}${detail ? ` — ${detail}` : ''}. ${planSummary(plan)}`, blocks);
}

export function threadNote(text: string): View {
  return view(text, [section(text)]);
}
