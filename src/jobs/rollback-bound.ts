import type { ReplicaSetState } from '../adapters/kube.ts';
import { planSummary, tagOf, type RollbackPlan } from '../core/plan.ts';
import { whenWords } from '../core/release-words.ts';
import type { Release } from '../core/release.ts';
import type { BoundRelease, ShownRollback } from '../core/rollback-button.ts';
import { UserError } from '../core/user-error.ts';

// A Rollback button names the release it was made for; pressed after that release stopped running
// (another deploy, a rollback, an automatic rollback, an aborted canary), it is refused with what it
// was for and what runs now, before anything is planned.
export type BoundCheck = {
  bound: BoundRelease;
  service: string;
  env: string;
  // The ledger's row of the live release, if ops-bot made it, and the image the Deployment runs.
  running: Release | undefined;
  image: string;
  now: Date;
};

export function checkDeployBound(check: BoundCheck): void {
  const { bound, running } = check;
  if (bound.kind !== 'deploy' || running?.jobId === bound.job) return;
  const what = `${check.service} ${bound.version} (the deploy of ${whenWords(new Date(bound.at), check.now)})`;
  throw movedOn(check, what);
}

// A history row's button: the revision it names must still be that row's ReplicaSet (a re-created
// Deployment or a renumbering gives the number to another one).
export function checkRowBound(check: BoundCheck, set: ReplicaSetState): void {
  const { bound } = check;
  if (bound.kind !== 'row' || set.uid === bound.rs) return;
  throw movedOn(check, `${check.service} ${bound.version} (rev ${bound.revision} in /deploy history)`);
}

function movedOn(check: BoundCheck, what: string): UserError {
  const { running, env, service } = check;
  const at = running ? whenWords(running.finishedAt ?? running.startedAt, check.now) : '';
  const who = running ? `<@${running.requester}>` : '';
  const now = !running
    ? `${tagOf(check.image)}, changed outside ops-bot`
    : running.kind === 'rollback'
      ? `${running.version}, which ${who} rolled back to at ${at}`
      : `${running.version}, deployed by ${who} at ${at}`;
  return new UserError(`This Rollback was for ${what}; ${env} now runs ${now}. Nothing was changed.`, {
    hint: `Use \`/rollback ${service} ${env}\` to go back from what runs now.`,
    code: 'button_moved_on',
  });
}

// The incident card's Roll back form named both ends when it opened; submitted after what runs or
// the last good release changed, it is refused with the rollback as it would be now.
export function checkShown(check: {
  shown: ShownRollback;
  ends: { from: string; to: string };
  plan: RollbackPlan;
}): void {
  const { shown, ends, plan } = check;
  if (shown.from === ends.from && shown.to === ends.to) return;
  const what =
    shown.from === ends.from
      ? 'the last good release is no longer the one it named'
      : `${plan.service} in ${plan.env} no longer runs what it showed`;
  const instead = `a rollback now would be ${planSummary(plan)}`;
  const command = `\`/rollback ${plan.service} ${plan.env}\``;
  throw new UserError(`This rollback form showed ${shown.summary}, but ${what}; ${instead}. Nothing was changed.`, {
    hint: `Press Roll back on the incident card again to see it as it is now, or use ${command}.`,
    code: 'form_moved_on',
  });
}
