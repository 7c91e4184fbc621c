import { createHash } from 'node:crypto';
import { z } from 'zod';

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
  to: z.object({ image: z.string(), version: z.string() }),
  reason: z.string().optional(),
  breakGlass: z.string().optional(),
  // Blue-green: the Service whose selector is switched, and which colour is live and which idle.
  bluegreen: z.object({ service: z.string(), live: z.string(), idle: z.string(), colourKey: z.string(), liveColour: z.string(), idleColour: z.string(), idleExists: z.boolean() }).optional(),
  // Canary: the canary Deployment beside the stable one, and its steps (percent of stable replicas).
  canary: z.object({ name: z.string(), steps: z.array(z.number().int().min(1).max(100)), holdMs: z.number().int().min(0) }).optional(),
});

export type DeployPlan = z.output<typeof deployPlanSchema>;

// Plans are read back from Redis and PostgreSQL: parsed, never trusted.
export const planSchema = deployPlanSchema;
export type Plan = DeployPlan;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value).filter(([, item]) => item !== undefined).sort(([a], [b]) => a.localeCompare(b)).map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
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
  return `${plan.service}/${plan.env}`;
}

// "checkout production: 1.4.1 (rev 11) → 1.4.2, rolling, 3 replicas"
export function planSummary(plan: Plan): string {
  const from = `${tagOf(plan.from.image)}${plan.from.revision !== undefined ? ` (rev ${plan.from.revision})` : ''}`;
  return `${plan.service} ${plan.env}: ${from} → ${plan.to.version}, ${plan.strategy}, ${plan.replicas} replica${plan.replicas === 1 ? '' : 's'}`;
}

export function changeCause(plan: Plan, requester: string): string {
  return `ops-bot: ${plan.to.version} by <@${requester}>${plan.reason ? ` — ${plan.reason}` : ''}`;
}
