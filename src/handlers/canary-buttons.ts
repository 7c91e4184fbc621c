import { section, view, type View } from '../bot/views/blocks.ts';
import { CANARY_ABORT, CANARY_PAUSE, CANARY_PROMOTE, CANARY_PROMOTE_ALL, CANARY_RESUME } from '../bot/views/canary.ts';
import { currentContext } from '../adapters/log.ts';
import { parseCanaryButton, type CanaryButton } from '../core/canary-button.ts';
import { JOB_ID_PATTERN } from '../core/grammar/values.ts';
import { holdsRole, type RoleName } from '../core/roles.ts';
import { UserError } from '../core/user-error.ts';
import type { ActionHandler, ActionTurn } from './action-intake.ts';
import { identify } from './authorize.ts';
import { runningCanary, stepWords, type RunningCanary } from './canary-job.ts';
import type { HandlerDeps } from './deps.ts';
import { withQueue } from './queue-errors.ts';

type Control = 'promote' | 'pause' | 'resume' | 'abort';

// Moving a canary on is a deploy; holding it still or stopping it is also what on-call may do
// (the Abort button is where /rollback sends people while a canary runs).
const MAY: Record<Control, RoleName[]> = {
  promote: ['deploy'],
  resume: ['deploy'],
  pause: ['deploy', 'rollback'],
  abort: ['deploy', 'rollback'],
};

// The canary controls on a deploy's progress message; each is its own function.
export function canaryControlButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  return {
    [CANARY_PROMOTE]: async (turn) => promoteCanary(deps, turn, 'next'),
    [CANARY_PROMOTE_ALL]: async (turn) => promoteCanary(deps, turn, 'end'),
    [CANARY_PAUSE]: async (turn) => pauseCanary(deps, turn),
    [CANARY_RESUME]: async (turn) => resumeCanary(deps, turn),
    [CANARY_ABORT]: async (turn) => abortCanary(deps, turn),
  };
}

async function promoteCanary(deps: HandlerDeps, turn: ActionTurn, to: 'next' | 'end'): Promise<View> {
  const button = parseCanaryButton(turn.action.value) ?? badButton();
  const canary = await controllable(deps, turn, button.job, 'promote');
  const userId = turn.payload.user.id;
  // A double click, a retried delivery or a stale message must not move the canary twice.
  if (button.step !== canary.step) {
    const [shown, now] = [stepWords(canary, button.step), stepWords(canary, canary.step)];
    throw new UserError(`That Promote was shown at ${shown}; the canary is at ${now} now. Nothing was changed.`, {
      code: 'stale_step',
    });
  }
  const target = to === 'end' ? 100 : (canary.steps[button.step] ?? 100);
  const earlier = await withQueue('enqueue', () => deps.signals.promote(canary.jobId, button.step, to, userId));
  const details = { step: button.step, from: canary.percent, to: target };
  await audit(deps, userId, canary, 'promote', earlier ? 'duplicate' : 'requested', details);
  if (earlier)
    return answer(
      `:information_source: <@${earlier.by}> already promoted it from ${canary.percent} %; nothing more was done.`,
    );
  return answer(`:fast_forward: Promoting the canary from ${canary.percent} % to ${target} %; its message follows it.`);
}

async function pauseCanary(deps: HandlerDeps, turn: ActionTurn): Promise<View> {
  const button = parseCanaryButton(turn.action.value) ?? badButton();
  const canary = await controllable(deps, turn, button.job, 'pause');
  const userId = turn.payload.user.id;
  // Past the last hold nothing reads a pause: saying "it holds there" would be untrue.
  if (canary.percent >= 100)
    throw new UserError('The canary is past its last hold: stable is rolling, so there is nothing to pause.', {
      hint: `Cancel (or \`/ops cancel ${canary.jobId}\`) stops it and puts stable back.`,
      code: 'stale_step',
    });
  const earlier = await withQueue('enqueue', () => deps.signals.pause(canary.jobId, userId));
  await audit(deps, userId, canary, 'pause', earlier ? 'duplicate' : 'requested', { step: canary.step });
  if (earlier)
    return answer(`:information_source: <@${earlier.by}> paused it already; it holds at ${canary.percent} %.`);
  return answer(
    `:double_vertical_bar: Pausing the canary at ${canary.percent} %: it holds there until someone presses Resume.`,
  );
}

async function resumeCanary(deps: HandlerDeps, turn: ActionTurn): Promise<View> {
  const button = parseCanaryButton(turn.action.value) ?? badButton();
  const canary = await controllable(deps, turn, button.job, 'resume');
  const userId = turn.payload.user.id;
  const lifted = await withQueue('enqueue', () => deps.signals.resume(canary.jobId, userId));
  await audit(deps, userId, canary, 'resume', lifted ? 'requested' : 'duplicate', { step: canary.step });
  if (!lifted)
    return answer(':information_source: The canary is not paused (someone resumed it already); nothing was changed.');
  return answer(
    `:arrow_forward: Resuming the canary at ${canary.percent} % (paused by <@${lifted.by}>): its hold runs on.`,
  );
}

async function abortCanary(deps: HandlerDeps, turn: ActionTurn): Promise<View> {
  const jobId = jobOfAbort(turn.action.value);
  const canary = await controllable(deps, turn, jobId, 'abort');
  const userId = turn.payload.user.id;
  await withQueue('enqueue', () => deps.signals.send(canary.jobId, 'abort', userId));
  await audit(deps, userId, canary, 'abort', 'requested', { step: canary.step });
  return answer(':ok_hand: Abort requested: the canary is scaled to 0 and stable stays as it is.');
}

// The press is allowed (role) and its job is a canary running now.
async function controllable(
  deps: HandlerDeps,
  turn: ActionTurn,
  jobId: string,
  control: Control,
): Promise<RunningCanary> {
  const identity = await identify(deps, turn.payload.user.id);
  const roles = MAY[control];
  if (!roles.some((role) => holdsRole(identity, deps.catalog.roles, role)))
    throw new UserError(`You may not ${control} canaries: that needs the \`${roles.join('` or `')}\` role.`, {
      code: 'forbidden_role',
    });
  const canary = await runningCanary(deps, jobId);
  if (!canary)
    throw new UserError(`\`${jobId}\` is not running any more; nothing was changed.`, { code: 'not_running' });
  return canary;
}

// Abort keeps the plain job id it always carried, so an Abort on a message from before still works.
function jobOfAbort(value: string | undefined): string {
  if (value && JOB_ID_PATTERN.test(value)) return value;
  return parseCanaryButton(value)?.job ?? badButton().job;
}

function badButton(): CanaryButton {
  throw new UserError('That button does not name a canary step; use the buttons on the message as it is now.', {
    code: 'bad_button',
  });
}

function answer(text: string): View {
  return view(text.replace(/:[a-z_]+: /, ''), [section(text)]);
}

async function audit(
  deps: HandlerDeps,
  actor: string,
  canary: RunningCanary,
  control: Control,
  decision: string,
  details: Record<string, unknown>,
): Promise<void> {
  await deps.audit.record({
    event: control,
    decision,
    actor,
    correlationId: currentContext()?.correlationId ?? 'none',
    action: `deploy.canary-${control}`,
    target: `${canary.service}/${canary.env}`,
    jobId: canary.jobId,
    details,
  });
}
