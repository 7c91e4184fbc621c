import { planSummary, planWarnings, tagOf, versionWords, type WorkloadPlan } from '../../core/plan.ts';
import { pinnedWords, promoteButtonValue } from '../../core/promote.ts';
import { esc } from '../../core/mrkdwn.ts';
import { rollbackButtonValue } from '../../core/rollback-button.ts';
import { formatDuration } from '../../core/duration.ts';
import { problemText, type PodProblem } from '../../core/pod-health.ts';
import { actions, code, context, section, view, type Block, type Button, type View } from './blocks.ts';
import { canaryActLine, canaryButtons, canaryHoldLine, type CanaryAct, type CanaryHold } from './canary.ts';

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
  | 'aborted'
  // The job ended without its worker: BullMQ gave up on it (jobs/interrupted.ts says why).
  | 'interrupted';
export const FINAL_PHASES: DeployPhase[] = [
  'succeeded',
  'failed',
  'rolled-back',
  'cancelled',
  'aborted',
  'interrupted',
];

export type DeployProgress = {
  phase: DeployPhase;
  startedAt: Date;
  finishedAt?: Date | undefined;
  // Pods of the new release that are ready (never the old ones), and old pods still serving.
  ready: number;
  desired: number;
  old?: number | undefined;
  step?: { index: number; count: number; percent: number; replicas: number } | undefined;
  // A canary's hold while it holds, and what people did to it (named in the message).
  hold?: CanaryHold | undefined;
  acts?: CanaryAct[] | undefined;
  colour?: { from: string; to: string; switched: boolean } | undefined;
  problems: PodProblem[];
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
  // The digest the release's pods run (containerStatuses[].imageID), once it was looked for after
  // the release ended: null when the pods did not report one, undefined until it was looked for.
  digest?: string | null | undefined;
};

// `promoteTo`: the environment a succeeded deploy may be promoted to (core/promote.ts), if any.
export type DeployViewState = {
  plan: WorkloadPlan;
  jobId: string;
  requester: string;
  progress: DeployProgress;
  promoteTo?: string | undefined;
};

export const DEPLOY_CANCEL = 'deploy_cancel';
export const DEPLOY_ROLLBACK = 'deploy_rollback';
export const DEPLOY_PROMOTE = 'deploy_promote';

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
  interrupted: [':warning:', 'interrupted'],
};

// The bar counts the new release only; while old pods still serve, they are counted apart, so a
// rollout never reads "3/3 ready" while its own pods are not.
function bar(progress: DeployProgress): string {
  const { ready, desired, old } = progress;
  const width = 12;
  const filled = desired <= 0 ? width : Math.round((Math.min(ready, desired) / desired) * width);
  const blocks = `\`${'█'.repeat(filled)}${'░'.repeat(width - filled)}\``;
  if (old === undefined || isFinal(progress.phase)) return `${blocks} ${ready}/${desired} ready`;
  return `${blocks} new ${ready}/${desired} ready · old ${old} serving`;
}

// Time since start rendered by each Slack client ({ago}), so the message need not be edited to stay true.
function since(at: Date): string {
  return `<!date^${Math.floor(at.getTime() / 1000)}^started {ago}|started ${at.toISOString().slice(11, 16)} UTC>`;
}

export function isFinal(phase: DeployPhase): boolean {
  return FINAL_PHASES.includes(phase);
}

export function headlineWords(state: DeployViewState): { icon: string; words: string } {
  const { plan, progress } = state;
  const [phaseIcon, phaseWords] = HEADLINE[progress.phase];
  const rollback = plan.kind === 'rollback';
  const words = (rollback ? ROLLBACK_WORDS[progress.phase] : undefined) ?? phaseWords;
  const icon = rollback && progress.phase === 'succeeded' ? ':leftwards_arrow_with_hook:' : phaseIcon;
  return { icon, words };
}

function headline(state: DeployViewState, icon: string, words: string): string {
  const { plan } = state;
  const target =
    plan.kind === 'rollback' && plan.to.revision !== undefined
      ? `${code(plan.to.version)} (rev ${plan.to.revision})`
      : code(versionWords(plan));
  return `${icon} *${plan.service}* ${code(tagOf(plan.from.image))} → ${target} in *${plan.env}* — ${words}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function canaryStepLine(step: NonNullable<DeployProgress['step']>): string {
  return `canary step ${step.index} of ${step.count}: ${step.percent}% (${plural(step.replicas, 'pod')})`;
}

function colourLine(colour: NonNullable<DeployProgress['colour']>): string {
  return `${colour.from} → ${colour.to}${colour.switched ? ' (traffic switched)' : ''}`;
}

function problemLine(problem: PodProblem): string {
  const icon = problem.doomed ? ':no_entry:' : ':warning:';
  return `${icon} ${esc(problemText(problem).slice(0, 240))}`;
}

const ROLLBACK_OUTCOME = { running: 'rolling back to', succeeded: 'rolled back to', failed: 'could not roll back to' };

function automaticRollbackLine(rollback: NonNullable<DeployProgress['rollback']>): string {
  const revision = rollback.revision !== undefined ? ` (rev ${rollback.revision})` : '';
  const detail = rollback.detail ? ` — ${rollback.detail}` : '';
  const outcome = ROLLBACK_OUTCOME[rollback.outcome];
  return `:leftwards_arrow_with_hook: Automatic rollback: ${outcome} ${code(rollback.version)}${revision}${detail}`;
}

function progressLines(state: DeployViewState, icon: string, words: string): string[] {
  const { progress } = state;
  const lines = [headline(state, icon, words)];
  if (!isFinal(progress.phase) || progress.phase === 'succeeded') lines.push(bar(progress));
  if (progress.step) lines.push(canaryStepLine(progress.step));
  if (progress.hold && progress.phase === 'holding') lines.push(canaryHoldLine(progress.hold));
  for (const act of progress.acts ?? []) lines.push(canaryActLine(act));
  if (progress.colour) lines.push(colourLine(progress.colour));
  // The plan's ⚠ lines (a downgrade, an older release, a mutable tag) stay on the message everyone sees.
  for (const warning of planWarnings(state.plan)) lines.push(`*${warning}*`);
  if (progress.failure) lines.push(`*Why:* ${progress.failure}`);
  // The problem that failed the release is already the "Why:" line; the others follow it.
  const others = progress.problems.filter((problem) => !progress.failure?.includes(problemText(problem)));
  for (const problem of others.slice(0, 3)) lines.push(problemLine(problem));
  if (progress.rollback) lines.push(automaticRollbackLine(progress.rollback));
  if (progress.note) lines.push(progress.note);
  return lines;
}

function elapsed(progress: DeployProgress, finishedAt: Date): string {
  return formatDuration(finishedAt.getTime() - progress.startedAt.getTime());
}

function footer(state: DeployViewState): string {
  const { plan, progress } = state;
  const took = progress.finishedAt ? `took ${elapsed(progress, progress.finishedAt)}` : since(progress.startedAt);
  const reason = plan.reason ? ` · ${esc(plan.reason)}` : '';
  return `${plan.strategy} · by <@${state.requester}> · ${took} · job ${code(state.jobId)}${reason}`;
}

function cancelButton(jobId: string): Button {
  return {
    actionId: DEPLOY_CANCEL,
    text: 'Cancel',
    value: jobId,
    confirm: {
      title: 'Stop and put back?',
      text: 'ops-bot stops this change and puts back the revision it started from. `/ops cancel <job> --leave` stops without putting back.',
      confirm: 'Stop',
      deny: 'Keep going',
    },
  };
}

// What the button carries: the release this deploy put live (its job) and the one it started from,
// never a plan (the plan is made when it is pressed, and refused if the deploy is no longer live).
function rollbackButton(state: DeployViewState): Button {
  const { plan, jobId, progress } = state;
  const from = tagOf(plan.from.image);
  const bound = {
    kind: 'deploy' as const,
    job: jobId,
    version: plan.to.version,
    at: progress.startedAt.toISOString(),
    from: { version: from, ...(plan.from.revision !== undefined ? { revision: plan.from.revision } : {}) },
  };
  return {
    actionId: DEPLOY_ROLLBACK,
    text: 'Rollback',
    value: rollbackButtonValue({ service: plan.service, env: plan.env, bound }),
    style: 'danger',
    confirm: {
      title: `Roll ${plan.service} back in ${plan.env}?`,
      text: `ops-bot plans a rollback from ${plan.to.version} to ${from}, the release this deploy started from, with the approvals the environment asks for. If ${plan.to.version} no longer runs, nothing is changed.`,
      confirm: 'Plan rollback',
      deny: 'Back',
    },
  };
}

// Offered only with the digest the release ran: a promotion pins it, so production runs exactly
// what was tested, never whatever the tag names by then.
function promoteButton(state: DeployViewState): Button | undefined {
  const { plan, jobId, progress, promoteTo } = state;
  if (plan.kind !== 'deploy' || progress.phase !== 'succeeded' || !promoteTo || !progress.digest) return undefined;
  const { service, env } = plan;
  const version = plan.to.version;
  const what = `${service} ${pinnedWords(version, progress.digest)}`;
  return {
    actionId: DEPLOY_PROMOTE,
    text: `Promote to ${promoteTo}`,
    value: promoteButtonValue({ service, env, to: promoteTo, job: jobId, version, digest: progress.digest }),
    style: 'primary',
    confirm: {
      title: `Promote to ${promoteTo}?`,
      text: `ops-bot plans ${what} for ${promoteTo}, pinned to the digest ${env} ran, through ${promoteTo}'s approvals and freezes.`,
      confirm: 'Plan promotion',
      deny: 'Back',
    },
  };
}

// Why a succeeded deploy offers no Promote: the digest it ran is not known, and the tag is not pinned.
function promoteNote(state: DeployViewState): string | undefined {
  const { plan, progress, promoteTo } = state;
  if (plan.kind !== 'deploy' || progress.phase !== 'succeeded' || !promoteTo || progress.digest !== null)
    return undefined;
  const deploy = `\`/deploy ${plan.service} ${plan.to.version} to ${promoteTo}\``;
  return `No Promote: the pods did not report the image digest they run, so ops-bot cannot pin it. ${deploy} deploys the tag as it is then.`;
}

const NOT_LIVE: DeployPhase[] = ['rolled-back', 'aborted'];

function deployButtons(state: DeployViewState): Button[] {
  const { plan, progress, jobId } = state;
  if (isFinal(progress.phase)) {
    // A deploy its own rollback undid, or an aborted canary, never left its release live: a Rollback
    // there could only be refused. Failed, cancelled (--leave) or interrupted may have: the press checks.
    if (plan.kind === 'rollback' || NOT_LIVE.includes(progress.phase)) return [];
    const promote = promoteButton(state);
    return promote ? [promote, rollbackButton(state)] : [rollbackButton(state)];
  }
  const buttons: Button[] = [];
  if (plan.strategy === 'canary' && progress.phase === 'holding' && progress.step)
    buttons.push(...canaryButtons(jobId, progress.step, progress.hold));
  // While the automatic rollback puts the start revision back, that is what Cancel would do anyway.
  if (progress.phase !== 'rolling-back') buttons.push(cancelButton(jobId));
  return buttons;
}

function notificationText(state: DeployViewState, words: string): string {
  const { plan, progress } = state;
  const subject =
    plan.kind === 'rollback'
      ? `${plan.service} rollback to ${plan.to.version} in ${plan.env}`
      : `${plan.service} ${versionWords(plan)} to ${plan.env}`;
  const took = progress.finishedAt ? ` (${elapsed(progress, progress.finishedAt)})` : '';
  const detail = [
    progress.failure,
    progress.rollback ? `rollback to ${progress.rollback.version}: ${progress.rollback.outcome}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  return `${subject}: ${words}${took}${detail ? ` — ${detail}` : ''}. ${planSummary(plan)}`;
}

export function deployView(state: DeployViewState): View {
  const { icon, words } = headlineWords(state);
  const blocks: Block[] = [section(progressLines(state, icon, words).join('\n')), context(footer(state))];
  const note = promoteNote(state);
  if (note) blocks.push(context(note));
  const buttons = deployButtons(state);
  if (buttons.length > 0) blocks.push(actions(`deploy:${state.jobId}`, buttons));
  return view(notificationText(state, words), blocks);
}

export function threadNote(text: string): View {
  return view(text, [section(text)]);
}
