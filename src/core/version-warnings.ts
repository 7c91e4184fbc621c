import { utcDateTime } from './policy.ts';
import { compareSemver } from './semver.ts';

// What is known about the version a deploy goes to, beside the version that runs.
export type VersionFacts = {
  to: string;
  running: string;
  // The newest release the ledger knows as good in this service and environment, if any.
  lastGood?: { version: string; at: Date } | undefined;
  // A mutable tag the service allows: which image it names is known only once the pods pull it.
  mutable: boolean;
  // The newest release of this version here was rolled back away from: by whom (none: its own
  // automatic rollback), when and why.
  rolledBack?: { env: string; at: Date; by: string | undefined; why: string } | undefined;
};

// The ⚠ lines of a plan: shown in the dry run, the approval request and the audit, so the mistake
// is seen before anyone approves it. Non-semver versions get no claim either way.
export function versionWarnings(facts: VersionFacts): string[] {
  const warnings: string[] = [];
  const { to, running, lastGood } = facts;
  const sameAsGood = lastGood?.version === running;
  if (compareSemver(to, running) === -1)
    warnings.push(`⚠ downgrade from ${running}${sameAsGood ? ' (the last good release)' : ''}`);
  if (lastGood && !sameAsGood && compareSemver(to, lastGood.version) === -1)
    warnings.push(`⚠ older than the last good release, ${lastGood.version} (${utcDateTime(lastGood.at)})`);
  if (facts.rolledBack) {
    const { env, at, by, why } = facts.rolledBack;
    const who = by ? `<@${by}>` : 'its automatic rollback';
    warnings.push(`⚠ ${to} was rolled back in ${env} on ${utcDateTime(at)} by ${who}: ${why}`);
  }
  if (facts.mutable)
    warnings.push(`⚠ \`${to}\` is a mutable tag: the digest the cluster resolves is shown once it has rolled out`);
  return warnings;
}
