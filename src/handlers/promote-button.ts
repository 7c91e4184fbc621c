import { section, view, type View } from '../bot/views/blocks.ts';
import { DEPLOY_PROMOTE } from '../bot/views/deploy.ts';
import { beforeDeadline } from '../core/deadline.ts';
import { jobIdFor } from '../core/ids.ts';
import { planSummary } from '../core/plan.ts';
import { gateFor } from '../core/policy.ts';
import {
  pinnedWords,
  promoteButtonSchema,
  promotionRefusal,
  promotionTarget,
  type PromoteButton,
} from '../core/promote.ts';
import type { Release } from '../core/release.ts';
import { serviceTarget } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import { frozenError } from '../jobs/change-gate.ts';
import { planDeploy, type DeployChange } from '../jobs/preflight.ts';
import type { ActionHandler, ActionTurn } from './action-intake.ts';
import { requireRole } from './authorize.ts';
import { AFTER_ACK_MS, AFTER_PREFLIGHT_MS, AckDeadline, CLUSTER_BUDGET_MS, withinBudget } from './budget.ts';
import { refuseWhileChanging } from './deploy.ts';
import type { HandlerDeps } from './deps.ts';
import { formMetadata } from './form-metadata.ts';
import { buttonChannel, buttonDeliveryKey, buttonEnvelope } from './envelopes.ts';
import { freezeToBreak, openBreakGlass, type BreakGlassAsk } from './break-glass.ts';
import type { Requester } from './rollback.ts';
import { onlyGiven } from './optional-fields.ts';
import { auditReason, planQueuedView, whilePlanning } from './planning.ts';
import { enqueueBefore, withQueue } from './queue-errors.ts';
import { acceptFromButton } from './rollback-buttons.ts';

// PostgreSQL that does not answer holds a query for its 30 s timeout; the press is answered sooner.
const LEDGER_READ_MS = 5_000;

// "Promote to production" on a succeeded deploy's message: the same request for the next environment,
// pinned to the digest the deploy ran, through that environment's gate, asked for by the presser.
export function promoteButtons(deps: HandlerDeps): Record<string, ActionHandler> {
  return { [DEPLOY_PROMOTE]: async (turn) => promotePressed(deps, turn) };
}

async function promotePressed(deps: HandlerDeps, turn: ActionTurn): Promise<View | undefined> {
  const button = buttonOf(turn.action.value);
  stillPromotes(deps, button);
  const freeze = freezeToBreak(deps, button.to, 'deploy');
  if (freeze) return openBreakGlass(deps, turn, freeze, breakGlassAsk(deps, turn, button));
  const deliveryKey = buttonDeliveryKey(turn);
  const envelope = buttonEnvelope(deps, turn, commandOf(button));
  // Acked already; the answer goes through response_url.
  const deadline = new AckDeadline(performance.now(), AFTER_ACK_MS);
  return requestPromotion(deps, button, {
    envelope,
    deliveryKey,
    deadline,
    accept: acceptFromButton(deps, turn, envelope),
  });
}

// Inside a freeze the press opens the break-glass form, bound to this button.
function breakGlassAsk(deps: HandlerDeps, turn: ActionTurn, button: PromoteButton): BreakGlassAsk {
  const release = pinnedWords(button.version, button.digest);
  return {
    binding: { kind: 'promote', channel: buttonChannel(turn.payload) ?? '', button },
    env: button.to,
    kind: 'deploy',
    what: `Promote *${button.service}* ${release} from ${button.env} to *${button.to}*.`,
    // A release that cannot be promoted is refused before anyone writes a justification for it.
    checks: (async () => {
      await requireRole(deps, turn.payload.user.id, 'deploy');
      await ensurePromotable(deps, button);
    })(),
  };
}

// The press, or the break-glass form submitted for it: one request per press or form.
export async function requestPromotion(
  deps: HandlerDeps,
  button: PromoteButton,
  requester: Requester & { breakGlass?: string },
): Promise<View> {
  const { deliveryKey, envelope } = requester;
  // Slack's retries and replays of one press find it claimed: one press, one request.
  if (!(await withQueue('read', () => deps.ledger.claim(deliveryKey, envelope.correlationId))))
    return view('Already pressed.', [section('This press is already being handled; nothing new was requested.')]);
  try {
    return await promote(deps, button, requester);
  } catch (error) {
    await deps.ledger.release(deliveryKey).catch(() => undefined);
    throw error;
  }
}

async function promote(
  deps: HandlerDeps,
  button: PromoteButton,
  requester: Requester & { breakGlass?: string },
): Promise<View> {
  const { envelope, deadline, deliveryKey } = requester;
  const userId = envelope.requestedBy.userId;
  stillPromotes(deps, button);
  const target = serviceTarget(deps.catalog, button.service, button.to);
  await requireRole(deps, userId, 'deploy');
  await ensurePromotable(deps, button);
  const gate = gateFor(target.env, 'deploy', requester.breakGlass, deps.now());
  if (gate.verdict === 'frozen') throw frozenPromotion(button, gate);
  const breakGlass = gate.freeze ? requester.breakGlass : undefined;
  await refuseWhileChanging(deps, { service: button.service, env: button.to });
  const change = changeOf(button, breakGlass);
  const jobId = jobIdFor('plan', deliveryKey);
  const what = `promotion of ${button.service} ${button.version} from ${button.env}`;
  const reservation = { service: button.service, env: button.to, jobId, userId, what };
  // A request already posted is the answer, even while its plan job is still finishing (and holds the
  // reservation): the press would otherwise be told it is "being planned" next to the request itself.
  await refuseWhileWaiting(deps, button);
  return whilePlanning(deps, reservation, async () => {
    // Under the reservation: an earlier press's plan job releases it only once its request is stored.
    await refuseWhileWaiting(deps, button);
    const plan = await withinBudget(
      planDeploy(deps, change, userId),
      deadline.share(CLUSTER_BUDGET_MS, AFTER_PREFLIGHT_MS),
    );
    await requester.accept(
      {
        action: 'deploy.request',
        target: `${button.service}/${button.to}`,
        jobId,
        reason: auditReason(gate.freeze, breakGlass, change.reason),
        details: {
          version: button.version,
          digest: button.digest,
          promotedFrom: { env: button.env, job: button.job },
          ...(plan ? { plan: planSummary(plan) } : {}),
          ...(breakGlass ? { breakGlass: true } : {}),
        },
      },
      { failClosed: true },
    );
    await enqueueBefore(deps, deadline, 'plan', jobId, { ...envelope, change, ...onlyGiven({ plan }) });
    return planQueuedView(jobId, plan, `${button.service} in ${button.to}`);
  });
}

function buttonOf(value: string | undefined): PromoteButton {
  const button = formMetadata(promoteButtonSchema, value ?? '');
  if (button) return button;
  throw new UserError('That Promote button does not name a release ops-bot can check; nothing was changed.', {
    hint: 'Press Promote on a succeeded deploy’s message, or run `/deploy <service> <version> to <env>`.',
    code: 'bad_button',
  });
}

// The catalog may have changed since the message was posted: the button goes where it still leads.
function stillPromotes(deps: HandlerDeps, button: PromoteButton): void {
  const next = promotionTarget(deps.catalog, button.service, button.env);
  if (next === button.to) return;
  const now = next ? `${button.env} is now promoted to ${next}` : `${button.env} is no longer promoted anywhere`;
  throw new UserError(`This button is from an older message: ${now}. Nothing was changed.`, {
    hint: `Run \`/deploy ${button.service} ${button.version} to <env>\` to deploy it yourself.`,
    code: 'stale_button',
  });
}

// The release the button names, as the ledger has it now.
async function ensurePromotable(deps: HandlerDeps, button: PromoteButton): Promise<void> {
  const read = async (): Promise<[Release | undefined, Release[]]> => {
    const release = await deps.releases.byJob(button.job);
    const rolledBack = release?.outcome === 'rolled_back';
    return [release, rolledBack ? await deps.releases.forTarget(button.service, button.env) : []];
  };
  const [release, releases] = await beforeDeadline(
    read(),
    LEDGER_READ_MS,
    () => new Error('ledger read timed out'),
  ).catch((error: unknown) => {
    deps.logger.warn({ err: error }, 'release ledger unavailable for a promotion');
    throw new UserError(
      'ops-bot cannot read its release ledger right now, so it cannot check what was tested. Nothing was changed.',
      { hint: 'Try again in a moment.', code: 'ledger_unavailable' },
    );
  });
  const refusal = promotionRefusal(button, release, releases);
  if (refusal) throw new UserError(refusal.message, { ...onlyGiven({ hint: refusal.hint }), code: refusal.code });
}

// Pressed again (by anyone) while the first request still waits for approval: that request is the answer.
async function refuseWhileWaiting(deps: HandlerDeps, button: PromoteButton): Promise<void> {
  const pending = await beforeDeadline(
    deps.approvals.pendingFor(`${button.service}/${button.to}`, ['deploy'], undefined),
    LEDGER_READ_MS,
    () => new Error('approval read timed out'),
  ).catch(() => []);
  const same = pending.find((record) => record.plan.kind === 'deploy' && record.plan.to.digest === button.digest);
  if (!same) return;
  const where = same.permalink ? `<${same.permalink}|its approval request>` : 'its approval request in the channel';
  const what = `${button.service} ${pinnedWords(button.version, button.digest)} to ${button.to}`;
  const requested = `${what} was already requested by <@${same.request.requester}> and waits for approval: ${where}.`;
  throw new UserError(`${requested} Nothing new was requested.`, { code: 'already_requested' });
}

type Frozen = Extract<ReturnType<typeof gateFor>, { verdict: 'frozen' }>;

// The freeze refusal, with the way out a button can offer: it cannot carry a break-glass reason.
function frozenPromotion(button: PromoteButton, gate: Frozen): UserError {
  const frozen = frozenError(gate.freeze.name, gate.freeze.end, gate.breakGlassPossible);
  if (!gate.breakGlassPossible) return frozen;
  const command = `\`/deploy ${button.service} ${button.digest} to ${button.to} --break-glass "why"\``;
  const hint = `If this cannot wait, ${command} deploys the same digest; it also needs the break-glass approvers.`;
  return new UserError(frozen.message, { hint, code: 'frozen' });
}

function changeOf(button: PromoteButton, breakGlass: string | undefined): DeployChange {
  return {
    kind: 'deploy',
    service: button.service,
    version: button.version,
    digest: button.digest,
    env: button.to,
    dryRun: false,
    reason: `promoted from ${button.env} job ${button.job}`,
    ...onlyGiven({ breakGlass }),
  };
}

// The button as the command it stands for, for the audit log and the job.
function commandOf(button: PromoteButton): string {
  return `button ${DEPLOY_PROMOTE} ${button.service} ${button.version}@${button.digest} from ${button.env} to ${button.to}`;
}
