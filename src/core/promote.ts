import { z } from 'zod';
import type { Catalog } from './catalog.ts';
import { JOB_ID_PATTERN, NAME_PATTERN } from './grammar/values.ts';
import { utcDateTime } from './policy.ts';
import { rolledBackStory, type Release } from './release.ts';

const DIGEST = /^sha256:[a-f0-9]{64}$/;

// What a Promote button carries: the release it was made for (the deploy's job, whose ledger row is
// checked when it is pressed), its version and the digest its pods ran, and where it goes. Parsed,
// never trusted: Slack hands back whatever value the client sends.
export const promoteButtonSchema = z.strictObject({
  service: z.string().regex(NAME_PATTERN),
  env: z.string().regex(NAME_PATTERN),
  to: z.string().regex(NAME_PATTERN),
  job: z.string().regex(JOB_ID_PATTERN),
  version: z.string().min(1).max(128),
  digest: z.string().regex(DIGEST),
});
export type PromoteButton = z.output<typeof promoteButtonSchema>;

export function promoteButtonValue(button: PromoteButton): string {
  return JSON.stringify(button);
}

// Where a release of `service` in `env` is promoted to: the next environment after `env`, in the
// catalog's order of environments, that the service is deployed to (the reference catalog lists
// staging before production). None after the last one.
export function promotionTarget(catalog: Catalog, service: string, env: string): string | undefined {
  const deployedTo = catalog.services[service]?.environments;
  if (!deployedTo?.includes(env)) return undefined;
  const order = Object.keys(catalog.environments);
  return order.slice(order.indexOf(env) + 1).find((next) => deployedTo.includes(next));
}

// "sha256:abcd1234…": enough of a digest for a person to compare, never the only thing they see.
export function shortDigest(digest: string): string {
  return `${digest.slice(0, 'sha256:'.length + 8)}…`;
}

// "1.4.2 (sha256:abcd1234…)": the human version first, the digest it is pinned to beside it.
export function pinnedWords(version: string, digest: string | undefined): string {
  return digest && digest !== version ? `${version} (${shortDigest(digest)})` : version;
}

export type PromotionRefusal = { message: string; hint?: string; code: string };

const NOTHING = 'Nothing was changed.';

// Whether the release a Promote button names may still be promoted, from its ledger row: it must be
// the button's release, have succeeded and not been rolled back away from since, and have a digest.
// A release the environment has since moved on from (a later deploy) stays promotable while it is
// good: what was tested is what runs in the next environment.
export function promotionRefusal(
  button: PromoteButton,
  release: Release | undefined,
  releases: Release[],
): PromotionRefusal | undefined {
  const history = `\`/deploy history ${button.service} ${button.env}\` shows what ran there.`;
  if (!release) {
    const unknown = `The release ledger has no record of ${releaseNamed(button)}, so ops-bot cannot tell what it ran.`;
    return { message: `${unknown} ${NOTHING}`, hint: history, code: 'release_unknown' };
  }
  if (release.service !== button.service || release.env !== button.env || release.version !== button.version) {
    const mismatch = `That Promote button does not match the ledger's record of job \`${button.job}\`.`;
    return { message: `${mismatch} ${NOTHING}`, code: 'bad_button' };
  }
  return outcomeRefusal(button, release, releases, history);
}

function releaseNamed(button: PromoteButton): string {
  return `${button.service} ${button.version} in ${button.env} (job \`${button.job}\`)`;
}

// The release is the button's: was it good, and does the ledger know the digest it ran?
function outcomeRefusal(
  button: PromoteButton,
  release: Release,
  releases: Release[],
  history: string,
): PromotionRefusal | undefined {
  const named = releaseNamed(button);
  const story = rolledBackStory(releases, release);
  if (story) {
    const who = story.by ? `<@${story.by}>` : 'the automatic rollback';
    const rolledBack = `${named} was rolled back on ${utcDateTime(story.at)} by ${who}: ${story.why}.`;
    const rule = 'Only a release that is still good is promoted.';
    return { message: `${rolledBack} ${rule} ${NOTHING}`, hint: history, code: 'rolled_back' };
  }
  if (release.outcome !== 'succeeded') {
    const ended = release.outcome ?? 'it has not finished';
    return {
      message: `${named} did not succeed (${ended}), so there is nothing to promote. ${NOTHING}`,
      code: 'not_succeeded',
    };
  }
  if (!release.digest) {
    const unpinned = `The pods of ${named} never reported the image digest they ran, so ops-bot cannot pin what it would promote.`;
    const tag = `\`/deploy ${button.service} ${button.version} to ${button.to}\``;
    return {
      message: `${unpinned} ${NOTHING}`,
      hint: `${tag} deploys the tag as it is then, if that is what you want.`,
      code: 'no_digest',
    };
  }
  if (release.digest !== button.digest) {
    const ran = shortDigest(release.digest);
    const other = `That Promote button names ${shortDigest(button.digest)}, but ${named} ran ${ran}.`;
    return { message: `${other} ${NOTHING}`, code: 'bad_button' };
  }
  return undefined;
}
