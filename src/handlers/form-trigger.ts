import { UserError } from '../core/user-error.ts';
import { VIEWS_OPEN_RESERVE_MS, beforeDeadline, type AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';
import { recordsUnavailable } from './record-reads.ts';

// Slack expires a trigger_id 3 seconds after the click or command: a form that opens later fails with
// `expired_trigger_id`, and the person sees nothing. The checks before views.open therefore share the
// request's deadline, leaving views.open its own share, and a form that can no longer open is refused.
function tooLate(): UserError {
  return new UserError(
    'ops-bot could not check this in time to open the form (Slack allows 3 seconds). Nothing was changed.',
    {
      hint: 'Press the button (or run the command) again.',
      code: 'form_too_late',
    },
  );
}

// The checks before a form, within what the deadline leaves for them. A refusal of their own passes
// through; PostgreSQL failing under them reads as the records refusal.
export async function checkBeforeForm<T>(deadline: AckDeadline, checks: Promise<T>): Promise<T> {
  try {
    return await beforeDeadline(checks, deadline.share(Number.POSITIVE_INFINITY, VIEWS_OPEN_RESERVE_MS), tooLate);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw recordsUnavailable();
  }
}

// views.open while the trigger is still good, else the refusal.
export async function openForm(
  deps: Pick<HandlerDeps, 'slack'>,
  deadline: AckDeadline,
  triggerId: string | undefined,
  modal: Record<string, unknown>,
  noTrigger: UserError,
): Promise<undefined> {
  if (!triggerId) throw noTrigger;
  if (deadline.remainingMs() <= 0) throw tooLate();
  await deps.slack.call('views.open', { trigger_id: triggerId, view: modal });
  return undefined;
}
