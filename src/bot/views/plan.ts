import { planSubject, planSummary, planWarnings, type Plan, type RestorePlan } from '../../core/plan.ts';
import { esc } from '../../core/mrkdwn.ts';
import type { GatePreview } from '../../core/preview.ts';
import { gateBlocks } from './preview.ts';
import { code, context, fields, header, section, view, type Block, type View } from './blocks.ts';

function targetKind(engine: RestorePlan['engine']): string {
  if (engine === 'postgres') return 'database';
  return engine === 'rds-cluster' ? 'cluster' : 'instance';
}

export function planFields(plan: Plan): Block {
  if (plan.kind === 'restore') {
    return fields([
      ['Plan', code(planSummary(plan))],
      ['Backup', code(plan.backupId)],
      ['Into', `${code(plan.target)} (new ${targetKind(plan.engine)})`],
      ['Reason', plan.reason ? esc(plan.reason) : '_none given_'],
    ]);
  }
  return fields([
    ['Plan', code(planSummary(plan))],
    ['Image', `${code(plan.from.image)}\n→ ${code(plan.to.image)}`],
    [
      'Where',
      `${plan.namespace}/${plan.deployment} (container ${code(plan.container)}) in context ${code(plan.context)}`,
    ],
    ['Reason', plan.reason ? esc(plan.reason) : '_none given_'],
  ]);
}

// Downgrade, older than the last good release, a mutable tag: one line each, above everything else
// people read before they approve.
export function warningBlocks(plan: Plan): Block[] {
  const warnings = planWarnings(plan);
  return warnings.length > 0 ? [section(warnings.map((line) => `*${line}*`).join('\n'))] : [];
}

// The ⚠ lines in a notification's plain text: " ⚠ downgrade from 3.1.0; ⚠ …." or nothing.
function warnedText(plan: Plan): string {
  const warnings = planWarnings(plan);
  return warnings.length > 0 ? ` ${warnings.join('; ')}.` : '';
}

const DRY_RUN_ACCEPTED =
  ':white_check_mark: The cluster accepted the change in a server-side dry run. Nothing was changed.';

const RESTORE_CHECKED =
  ':white_check_mark: The backup is available and the new target name is free. Nothing was changed.';

// A dry run: the plan, what the cluster said of it, and the gate it would meet. Nothing was enqueued,
// locked or asked for.
export function dryRunView(plan: Plan, gate: GatePreview): View {
  const what = plan.kind === 'restore' ? 'Plan' : 'Dry run';
  const text = `${what}: ${planSummary(plan)}.${warnedText(plan)} Nothing was changed. Now: ${gate.verdict}.`;
  return view(text, [
    header(`${what}: ${plan.kind} ${planSubject(plan)}`),
    planFields(plan),
    ...warningBlocks(plan),
    ...gateBlocks(gate),
    context(plan.kind === 'restore' ? RESTORE_CHECKED : DRY_RUN_ACCEPTED),
  ]);
}

// Nothing to approve: the ⚠ lines are said here, where the person who asked reads what runs.
export function startingView(plan: Plan, jobId: string): View {
  const starting = `Starting: ${planSummary(plan)} (job ${jobId}).`;
  return view(`${starting}${warnedText(plan)}`, [section(`:rocket: ${starting}`), ...warningBlocks(plan)]);
}
