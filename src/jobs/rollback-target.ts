import type { ReplicaSetState } from '../adapters/kube.ts';
import type { RollbackPlan } from '../core/plan.ts';
import {
  byWhom,
  fromWords,
  justRolledBackWords,
  namedWords,
  toWords,
  warningsOf,
  whenWords,
} from '../core/release-words.ts';
import { chooseLastGood, liveRelease, newestFirst, newestPerSet, sameSet, type Release } from '../core/release.ts';
import type { DeploymentState } from '../core/rollout.ts';
import { UserError } from '../core/user-error.ts';
import type { z } from 'zod';
import type { rollbackChange } from './job-data.ts';
import type { PreflightDeps } from './preflight.ts';
import { checkDeployBound, checkRowBound } from './rollback-bound.ts';

type RollbackChange = z.output<typeof rollbackChange>;

// `live` is the ReplicaSet the Deployment runs now, for binding a plan to both of its ends.
export type RollbackTarget = {
  set: ReplicaSetState;
  ledger: NonNullable<RollbackPlan['ledger']>;
  live: ReplicaSetState | undefined;
};

// What a rollback is chosen from: the Deployment as it runs, its ReplicaSets, and how to pick a
// revision by kubectl's rule or by --to (rollback-plan.ts chooseTarget).
export type TargetInput = {
  change: RollbackChange;
  deployment: string;
  current: DeploymentState;
  sets: ReplicaSetState[];
  where: string;
  // The image the Deployment runs, for a refused button's "now runs" words.
  image: string;
  pick: (to: RollbackChange['to']) => ReplicaSetState;
};

// Without --to: the last good release older than the live one that the cluster still holds (the
// release ledger decides what was good); with --to: what it names, with the ⚠ line if that release
// was rolled back away from. The plan says which rule chose it.
export async function rollbackTarget(deps: PreflightDeps, input: TargetInput): Promise<RollbackTarget> {
  const { change, current, sets } = input;
  const now = deps.now();
  const releases = (await historyOf(deps, change)).filter((release) => release.deployment === input.deployment);
  const live = sets.find((set) => set.revision === current.revision);
  const running = liveRelease(releases, live);
  const from = {
    from: fromWords(running, now),
    ...(running ? { fromRelease: running.id, fromVersion: running.version } : {}),
  };
  const bound = change.bound && { bound: change.bound, service: change.service, env: change.env, running, now };
  if (bound) checkDeployBound({ ...bound, image: input.image });
  if (change.to) {
    const set = input.pick(change.to);
    if (bound) checkRowBound({ ...bound, image: input.image }, set);
    const named = newestPerSet(releases).find((release) => sameSet(release, set));
    const toVersion = named ? { toVersion: named.version } : {};
    const words = namedWords(releases, named, now);
    const warning = warningsOf(words.warning, justRolledBackWords(running, now));
    return { set, live, ledger: { ...from, ...toVersion, to: words.to, ...warning } };
  }
  const choice = chooseLastGood(releases, sets, live);
  if (choice.kind === 'pruned') throw pruned(change, choice.release, now);
  let set: ReplicaSetState;
  if (choice.kind === 'no-history') set = input.pick(undefined);
  else if (choice.kind === 'no-good') {
    if (!choice.set)
      throw new UserError(`Nothing ${input.where} ran before ${releaseName(running)} is known to be good.`, {
        hint: 'Name a revision or version with `--to` (`/deploy history` lists them).',
        code: 'no_good_release',
      });
    set = choice.set;
  } else set = choice.set;
  const toVersion = choice.kind === 'last-good' ? { toVersion: choice.release.version } : {};
  const warning = warningsOf(justRolledBackWords(running, now));
  return { set, live, ledger: { ...from, ...toVersion, to: toWords(releases, choice), ...warning } };
}

// Blue-green back to the colour still up: no ReplicaSet changes, so the ends are the colours' newest
// releases. Best effort: the switch does not depend on the ledger, only its words and its mark do.
export async function switchBackLedger(
  deps: PreflightDeps,
  change: RollbackChange,
  colours: { live: string; idle: string },
  image: string,
): Promise<RollbackPlan['ledger']> {
  const releases = newestFirst(await deps.releases.forTarget(change.service, change.env).catch(() => []));
  const now = deps.now();
  const running = releases.find((release) => release.deployment === colours.live && release.outcome === 'succeeded');
  const back = releases.find((release) => release.deployment === colours.idle && release.outcome !== 'refused');
  if (change.bound)
    checkDeployBound({ bound: change.bound, service: change.service, env: change.env, running, now, image });
  return {
    from: fromWords(running, now),
    to: `${byWhom(back, now)}, the previous colour`,
    ...(running ? { fromRelease: running.id, fromVersion: running.version } : {}),
    ...(back ? { toVersion: back.version } : {}),
  };
}

function releaseName(release: Release | undefined): string {
  return release ? release.version : 'what runs now';
}

async function historyOf(deps: PreflightDeps, change: RollbackChange): Promise<Release[]> {
  try {
    return await deps.releases.forTarget(change.service, change.env);
  } catch (error) {
    deps.logger.warn({ err: error }, 'could not read the release history');
    throw new UserError(
      `The release history of ${change.service} in ${change.env} could not be read, so the last good release is unknown.`,
      { hint: 'Name a revision or version with `--to`, or try again in a moment.', code: 'history_unavailable' },
    );
  }
}

// The last good release is gone from the cluster (revisionHistoryLimit): a deploy brings it back,
// pinned to the digest it ran when the ledger knows it.
function pruned(change: RollbackChange, release: Release, now: Date): UserError {
  const who = `by <@${release.requester}> ${whenWords(release.finishedAt ?? release.startedAt, now)}`;
  const deploy = `\`/deploy ${change.service} ${release.version} to ${change.env}\``;
  const pinned = release.digest
    ? ` (or pinned to what it ran: \`/deploy ${change.service} ${release.digest} to ${change.env}\`)`
    : '';
  return new UserError(
    `The last good release of ${change.service} in ${change.env}, ${release.version} (${who}), is no longer in the cluster (revisionHistoryLimit removed it), so there is nothing to roll back to.`,
    { hint: `Deploy it again instead: ${deploy}${pinned}.`, code: 'last_good_pruned' },
  );
}
