import { z } from 'zod';
import { DEPLOY_CANCEL } from '../bot/views/deploy.ts';
import { JOB_ID_PATTERN } from '../core/grammar/values.ts';
import { UserError } from '../core/user-error.ts';
import type { ActionHandler } from './action-intake.ts';
import { canaryControlButtons } from './canary-buttons.ts';
import { cancelJob } from './cancel.ts';
import type { HandlerDeps } from './deps.ts';

const jobIdValue = z.string().regex(JOB_ID_PATTERN);

function jobOf(value: string | undefined): string {
  const parsed = jobIdValue.safeParse(value);
  if (!parsed.success) throw new UserError('That button does not name a job.', { code: 'bad_button' });
  return parsed.data;
}

// Buttons on a deploy's progress message: Cancel, and for a canary its controls (canary-buttons.ts).
export function deployButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  return {
    [DEPLOY_CANCEL]: async ({ payload, action }) => cancelJob(deps, jobOf(action.value), payload.user.id),
    ...canaryControlButtons(deps),
  };
}
