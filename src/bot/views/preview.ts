import type { GatePreview } from '../../core/preview.ts';
import { utcDateTime } from '../../core/policy.ts';
import { code, context, fields, type Block } from './blocks.ts';

function freezeWords({ freeze, approval }: GatePreview): string {
  if (!freeze) return approval ? 'none in force, none before the approval would expire' : 'none in force';
  const span = `${utcDateTime(freeze.start)} → ${utcDateTime(freeze.end)}`;
  return freeze.inForce
    ? `${code(freeze.name)} in force (${span})`
    : `${code(freeze.name)} starts before the approval would expire (${span})`;
}

function lockWords(holder: GatePreview['holder']): string {
  if (holder === 'unreadable') return 'could not be read (Redis did not answer)';
  if (!holder) return 'free';
  return `held by <@${holder.userId}>: ${holder.what} (job ${code(holder.jobId)})`;
}

// The gate beside a plan: four facts and the verdict, the same words in the fallback text.
export function gateBlocks(preview: GatePreview): Block[] {
  return [
    fields([
      ['Freeze', freezeWords(preview)],
      ['Approval', preview.approval ?? 'none needed'],
      ['Backup first', preview.backupBefore ? code(preview.backupBefore) : 'none'],
      ['Lock', lockWords(preview.holder)],
    ]),
    context(`*Now:* ${verdictWords(preview)}`),
  ];
}

export function verdictWords(preview: GatePreview): string {
  return preview.verdict === 'would run now' ? ':large_green_circle: would run now' : `:red_circle: ${preview.verdict}`;
}
