import type { FreezePeriod } from '../../core/freeze.ts';
import { utcDateTime } from '../../core/policy.ts';
import { context, section, view, type View } from './blocks.ts';

export type FreezeState = { env: string; active: FreezePeriod | undefined; next: FreezePeriod[]; breakGlass: boolean };

function currentLine(state: FreezeState): string {
  if (!state.active) return `:large_green_circle: *${state.env}* is open for changes`;
  const breakGlass = state.breakGlass ? ' — break-glass possible' : ' — no break-glass policy';
  const until = utcDateTime(state.active.end);
  return `:snowflake: *${state.env}* is frozen (${state.active.name}) until ${until}${breakGlass}`;
}

function periodText(period: FreezePeriod): string {
  return `${period.name} ${utcDateTime(period.start)} → ${utcDateTime(period.end)}`;
}

function upcomingLine(next: FreezePeriod[]): string {
  return next.length > 0 ? `\n    next: ${next.map(periodText).join('; ')}` : '';
}

export function freezeView(states: FreezeState[]): View {
  const lines = states.map((state) => `${currentLine(state)}${upcomingLine(state.next)}`);
  const text = lines.join('\n');
  return view(text, [
    section(text),
    context(
      'Freeze windows come from the catalog. During a freeze, changes need --break-glass "why" and the break-glass approvers.',
    ),
  ]);
}
