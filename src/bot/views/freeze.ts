import type { FreezePeriod } from '../../core/freeze.ts';
import { utcDateTime } from '../../core/policy.ts';
import { context, section, view, type View } from './blocks.ts';

export type FreezeState = { env: string; active: FreezePeriod | undefined; next: FreezePeriod[]; breakGlass: boolean };

export function freezeView(states: FreezeState[]): View {
  const lines = states.map((state) => {
    const now = state.active
      ? `:snowflake: *${state.env}* is frozen (${state.active.name}) until ${utcDateTime(state.active.end)}${state.breakGlass ? ' — break-glass possible' : ' — no break-glass policy'}`
      : `:large_green_circle: *${state.env}* is open for changes`;
    const next =
      state.next.length > 0
        ? `\n    next: ${state.next.map((period) => `${period.name} ${utcDateTime(period.start)} → ${utcDateTime(period.end)}`).join('; ')}`
        : '';
    return `${now}${next}`;
  });
  const text = lines.join('\n');
  return view(text, [
    section(text),
    context(
      'Freeze windows come from the catalog. During a freeze, changes need --break-glass "why" and the break-glass approvers.',
    ),
  ]);
}
