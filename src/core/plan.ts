import { createHash } from 'node:crypto';
import { z } from 'zod';
import { pinnedWords, shortDigest } from './promote.ts';

// What an approval is for: an immutable plan, read from the target before anyone approves, and its
// hash. The worker re-reads the target before acting; if it no longer matches `from`, nothing runs.
export const deployPlanSchema = z.object({
  kind: z.literal('deploy'),
  service: z.string(),
  env: z.string(),
  context: z.string(),
  namespace: z.string(),
  deployment: z.string(),
  container: z.string(),
  strategy: z.enum(['rolling', 'bluegreen', 'canary']),
  replicas: z.number().int().min(0),
  from: z.object({ image: z.string(), revision: z.number().int().optional() }),
  // A promotion runs the digest the earlier environment ran (`image` is pinned to it), under the
  // version people know it by.
  to: z.object({ image: z.string(), version: z.string(), digest: z.string().optional() }),
  reason: z.string().optional(),
  breakGlass: z.string().optional(),
  // Blue-green: the Service whose selector is switched, and which colour is live and which idle.
  bluegreen: z
    .object({
      service: z.string(),
      live: z.string(),
      idle: z.string(),
      colourKey: z.string(),
      liveColour: z.string(),
      idleColour: z.string(),
      idleExists: z.boolean(),
    })
    .optional(),
  // Canary: the canary Deployment beside the stable one, and its steps (percent of stable replicas).
  canary: z
    .object({ name: z.string(), steps: z.array(z.number().int().min(1).max(100)), holdMs: z.number().int().min(0) })
    .optional(),
  // The ⚠ lines people must see before approving (core/version-warnings.ts): downgrade, older than
  // the last good release, a mutable tag.
  warnings: z.array(z.string()).optional(),
});

export type DeployPlan = z.output<typeof deployPlanSchema>;

// A rollback is a plan too: from what runs to an earlier revision the cluster still holds
// (`undo`, as kubectl does it), or, for blue-green, traffic back to the other colour (`switch-back`).
export const rollbackPlanSchema = deployPlanSchema.omit({ kind: true, to: true, canary: true }).extend({
  kind: z.literal('rollback'),
  to: z.object({ image: z.string(), version: z.string(), revision: z.number().int().optional() }),
  mode: z.enum(['undo', 'switch-back']),
  // What the release ledger says of both ends, in words (core/release-words.ts), the release this
  // moves away from (marked rolled back when it succeeds), and the ⚠ line when the target itself was
  // rolled back away from. Absent in plans made before the ledger.
  ledger: z
    .object({
      from: z.string(),
      to: z.string(),
      fromRelease: z.number().int().optional(),
      warning: z.string().optional(),
      // The versions the ledger knows both ends by, for an image pinned by digest: "1.4.1", not sha256:….
      fromVersion: z.string().optional(),
      toVersion: z.string().optional(),
    })
    .optional(),
});

export type RollbackPlan = z.output<typeof rollbackPlanSchema>;

// A restore: a backup into a NEW instance, cluster or database (never over an existing one).
export const restorePlanSchema = z.object({
  kind: z.literal('restore'),
  database: z.string(),
  env: z.string(),
  engine: z.enum(['rds-instance', 'rds-cluster', 'postgres']),
  backupId: z.string(),
  target: z.string(),
  reason: z.string().optional(),
  breakGlass: z.string().optional(),
});

export type RestorePlan = z.output<typeof restorePlanSchema>;

// Plans are read back from Redis and PostgreSQL: parsed, never trusted.
export const planSchema = z.discriminatedUnion('kind', [deployPlanSchema, rollbackPlanSchema, restorePlanSchema]);
export type WorkloadPlan = DeployPlan | RollbackPlan;
export type Plan = DeployPlan | RollbackPlan | RestorePlan;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function planHash(plan: Plan): string {
  return createHash('sha256').update(canonical(plan)).digest('hex').slice(0, 16);
}

export function tagOf(image: string): string {
  const digest = image.indexOf('@');
  if (digest >= 0) return image.slice(digest + 1);
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? image.slice(colon + 1) : 'latest';
}

export function imageFor(repository: string, version: string): string {
  return version.startsWith('sha256:') ? `${repository}@${version}` : `${repository}:${version}`;
}

export function planTarget(plan: Plan): string {
  return plan.kind === 'restore' ? `${plan.database}/${plan.env}` : `${plan.service}/${plan.env}`;
}

// The version a deploy goes to, with the digest it is pinned to when it is: "1.4.2 (sha256:abcd1234…)".
export function versionWords(plan: WorkloadPlan): string {
  return plan.kind === 'deploy' ? pinnedWords(plan.to.version, plan.to.digest) : plan.to.version;
}

// What a plan is about, in a few words: "checkout 1.4.2 to production", "orders-… into orders-copy".
export function planSubject(plan: Plan): string {
  if (plan.kind === 'restore') return `${plan.backupId} into ${plan.target} (${plan.env})`;
  return `${plan.service} ${versionWords(plan)} to ${plan.env}`;
}

const RESTORE_INTO: Record<RestorePlan['engine'], string> = {
  postgres: 'database',
  'rds-cluster': 'cluster',
  'rds-instance': 'instance',
};

function restoreTarget(plan: RestorePlan): string {
  return `a new ${RESTORE_INTO[plan.engine]} ${plan.target}`;
}

// One end of a rollback: "1.4.2 (rev 12, by @bob 14:02, live)". An image pinned by digest is
// named by the version the ledger knows it by, its digest short beside the revision, or by the short
// digest alone when the ledger does not know the release: never 71 characters of sha256.
function endWords(version: string, known: string | undefined, revision: number | undefined, words?: string): string {
  const pinned = version.startsWith('sha256:');
  const named = pinned && known !== undefined && known !== version;
  const name = pinned && !named ? shortDigest(version) : named ? known : version;
  const said = [
    named ? shortDigest(version) : undefined,
    revision !== undefined ? `rev ${revision}` : undefined,
    words,
  ];
  const shown = said.filter(Boolean);
  return shown.length > 0 ? `${name} (${shown.join(', ')})` : name;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

// "checkout production: 1.4.1 (rev 11) → 1.4.2, rolling, 3 replicas"
// "checkout production: 1.4.2 (rev 12, by @bob 14:02, live) → 1.4.1 (rev 11, last good, ran 3d)"
// for a rollback.
export function planSummary(plan: Plan): string {
  if (plan.kind === 'restore')
    return `${plan.database} ${plan.env}: restore ${plan.backupId} into ${restoreTarget(plan)}`;
  if (plan.kind === 'rollback') {
    const from = endWords(tagOf(plan.from.image), plan.ledger?.fromVersion, plan.from.revision, plan.ledger?.from);
    const to = endWords(plan.to.version, plan.ledger?.toVersion, plan.to.revision, plan.ledger?.to);
    const traffic =
      plan.mode === 'switch-back' && plan.bluegreen ? `, traffic back to ${plan.bluegreen.idleColour}` : '';
    const warning = plan.ledger?.warning ? ` ${plan.ledger.warning}` : '';
    return `${plan.service} ${plan.env}: ${from} → ${to}${traffic}${warning}`;
  }
  const from = endWords(tagOf(plan.from.image), undefined, plan.from.revision);
  const shape = `${plan.strategy}, ${plural(plan.replicas, 'replica')}`;
  return `${plan.service} ${plan.env}: ${from} → ${versionWords(plan)}, ${shape}`;
}

export function changeCause(plan: WorkloadPlan, requester: string): string {
  const what = plan.kind === 'rollback' ? `rollback to ${plan.to.version}` : plan.to.version;
  return `ops-bot: ${what} by <@${requester}>${plan.reason ? ` — ${plan.reason}` : ''}`;
}

// A plan's ⚠ lines (only a deploy has them).
export function planWarnings(plan: Plan): string[] {
  return plan.kind === 'deploy' ? (plan.warnings ?? []) : [];
}

// A plan's ⚠ lines for an audit row's details: the audit says what the approvers were shown.
export function warningDetails(plan: Plan): { warnings?: string[] } {
  const warnings = planWarnings(plan);
  return warnings.length > 0 ? { warnings } : {};
}
