import type { Logger } from 'pino';
import type { ReleaseLedger } from '../adapters/release-ledger.ts';
import { withinBudget } from '../core/deadline.ts';
import { isMutableTag, type Catalog, type CatalogService } from '../core/catalog.ts';
import { tagOf, type DeployPlan } from '../core/plan.ts';
import { isGood, newestFirst, rolledBackStory } from '../core/release.ts';
import { UserError } from '../core/user-error.ts';
import { versionWarnings } from '../core/version-warnings.ts';

// A mutable tag (`latest`, the catalog's mutableTags) deploys whatever the registry holds when the
// pods pull it: refused unless the service allows it. A promotion is pinned to a digest, so never.
export function refuseMutableTag(
  catalog: Catalog,
  name: string,
  service: CatalogService,
  change: { version: string; digest?: string | undefined },
): void {
  if (change.digest || service.allowMutableTags || !isMutableTag(catalog, change.version)) return;
  throw new UserError(
    `\`${change.version}\` is a mutable tag: it can name another image tomorrow, so ${name} does not deploy it.`,
    {
      hint: `Deploy a version or a sha256: digest, or set \`allowMutableTags: true\` on ${name} in the catalog.`,
      code: 'mutable_tag',
    },
  );
}

const LEDGER_READ_MS = 400;

export type WarningDeps = { catalog: Catalog; releases: ReleaseLedger; logger: Logger };

// The plan with its ⚠ lines. The ledger is read for the last good release; when it does not answer,
// nothing is claimed about it (a warning never says what is not known).
export async function withWarnings(deps: WarningDeps, plan: DeployPlan, digest?: string): Promise<DeployPlan> {
  const read = deps.releases.forTarget(plan.service, plan.env, 50).catch((error: unknown) => {
    deps.logger.warn({ err: error }, 'could not read the release ledger for the plan warnings');
    return [];
  });
  // Pre-flight answers inside Slack's 3 s when it can: a slow ledger costs the warning, not the reply.
  const releases = (await withinBudget(read, LEDGER_READ_MS)) ?? [];
  const newest = newestFirst(releases);
  const good = newest.find(isGood);
  // The same release again: by version, or by digest for a promotion (the same bits under any tag).
  const same = newest.find(
    (release) => release.version === plan.to.version || (digest !== undefined && release.digest === digest),
  );
  const story = same && rolledBackStory(releases, same);
  const warnings = versionWarnings({
    to: plan.to.version,
    running: tagOf(plan.from.image),
    lastGood: good && { version: good.version, at: good.startedAt },
    mutable: !digest && isMutableTag(deps.catalog, plan.to.version),
    rolledBack: story && { env: plan.env, ...story },
  });
  return warnings.length > 0 ? { ...plan, warnings } : plan;
}
