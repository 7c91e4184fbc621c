import { canaryButtonValue } from '../../core/canary-button.ts';
import { formatDuration } from '../../core/duration.ts';
import { slackDate, type Button } from './blocks.ts';

export const CANARY_PROMOTE = 'canary_promote';
export const CANARY_PROMOTE_ALL = 'canary_promote_all';
export const CANARY_PAUSE = 'canary_pause';
export const CANARY_RESUME = 'canary_resume';
export const CANARY_ABORT = 'canary_abort';

// The hold of the step a canary is at: when it ends (Slack renders the time in each reader's zone,
// so the message need not be edited while it counts down), or, paused, who paused it and what is left.
export type CanaryHold = {
  next: number;
  until?: Date | undefined;
  paused?: { by: string; leftMs: number } | undefined;
};
// What people did to the canary, in the order they did it: named in the message.
export type CanaryAct = { kind: 'promoted' | 'paused' | 'resumed'; percent: number; by: string };

type Step = { index: number; count: number; percent: number };

function timeToken(at: Date): string {
  return slackDate(at, '{time_secs}', `${at.toISOString().slice(11, 19)} UTC`);
}

function nextWords(next: number): string {
  return next >= 100 ? 'then 100 % (stable rolls)' : `then ${next} %`;
}

export function canaryHoldLine(hold: CanaryHold): string {
  if (hold.paused) {
    const left = formatDuration(hold.paused.leftMs);
    const then = `${nextWords(hold.next)} after Resume`;
    return `:double_vertical_bar: *Paused* by <@${hold.paused.by}>: the hold is stopped with ${left} left (${then})`;
  }
  if (!hold.until) return `:hourglass: holding, ${nextWords(hold.next)}`;
  return `:hourglass: holding until ${timeToken(hold.until)}, ${nextWords(hold.next)}`;
}

const ACT_WORDS: Record<CanaryAct['kind'], [string, string]> = {
  promoted: [':fast_forward:', 'promoted to'],
  paused: [':double_vertical_bar:', 'paused at'],
  resumed: [':arrow_forward:', 'resumed at'],
};

export function canaryActLine(act: CanaryAct): string {
  const [icon, words] = ACT_WORDS[act.kind];
  return `${icon} ${words} ${act.percent} % by <@${act.by}>`;
}

// One step forward is offered only while it is not the last: going to 100 % rolls stable, so that
// is always the button that asks first.
export function canaryButtons(jobId: string, step: Step, hold: CanaryHold | undefined): Button[] {
  const value = canaryButtonValue({ job: jobId, step: step.index });
  const next = hold?.next ?? 100;
  const buttons: Button[] = [];
  if (next < 100) buttons.push({ actionId: CANARY_PROMOTE, text: `Promote to ${next} %`, value, style: 'primary' });
  buttons.push({
    actionId: CANARY_PROMOTE_ALL,
    text: 'Promote to 100 %',
    value,
    ...(next >= 100 ? { style: 'primary' as const } : {}),
    confirm: {
      title: 'Promote to 100 %?',
      text: `ops-bot skips the remaining canary steps (now at ${step.percent} %), rolls stable to the new version and removes the canary. Once stable rolls, Cancel puts it back.`,
      confirm: 'Promote to 100 %',
      deny: 'Back',
    },
  });
  if (hold?.paused) buttons.push({ actionId: CANARY_RESUME, text: 'Resume', value });
  else buttons.push({ actionId: CANARY_PAUSE, text: 'Pause', value });
  buttons.push({ actionId: CANARY_ABORT, text: 'Abort', value: jobId, style: 'danger' });
  return buttons;
}
