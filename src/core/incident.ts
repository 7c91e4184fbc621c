import type { Catalog } from './catalog.ts';
import type { Severity } from './grammar/values.ts';

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

// Slack channel names: lowercase a–z, 0–9, hyphens and underscores, at most 80 characters. Room is
// kept for the "-NN" a taken name gets, so the slug never has to be cut a second time.
const CHANNEL_MAX = 80;
const SUFFIX_ROOM = 4;

export function slugOf(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'incident';
}

// inc-<yyyymmdd>-<slug>, in UTC: the date people on different continents agree on.
export function channelNameFor(title: string, declaredAt: Date, attempt = 1): string {
  const day = declaredAt.toISOString().slice(0, 10).replace(/-/g, '');
  const base = `inc-${day}-`;
  const slug = slugOf(title)
    .slice(0, CHANNEL_MAX - SUFFIX_ROOM - base.length)
    .replace(/-+$/, '');
  return attempt <= 1 ? `${base}${slug}` : `${base}${slug}-${attempt}`;
}

// Near-identical titles: "checkout errors" and "Checkout errors!" or "checkout error" are one
// incident reported twice. Dice's coefficient over character bigrams of the normalised words.
export function similarTitles(a: string, b: string): boolean {
  const left = slugOf(a).replace(/-/g, ' ');
  const right = slugOf(b).replace(/-/g, ' ');
  if (left === right) return true;
  const bigrams = (text: string) => {
    const counts = new Map<string, number>();
    for (let index = 0; index < text.length - 1; index += 1) {
      const pair = text.slice(index, index + 2);
      counts.set(pair, (counts.get(pair) ?? 0) + 1);
    }
    return counts;
  };
  const x = bigrams(left);
  const y = bigrams(right);
  let shared = 0;
  for (const [pair, count] of x) shared += Math.min(count, y.get(pair) ?? 0);
  const total = Math.max(1, left.length - 1) + Math.max(1, right.length - 1);
  return (2 * shared) / total >= 0.8;
}

// P0 and P1 are also announced in the escalation channel (declaration, severity change, resolution).
export function isMajor(severity: Severity): boolean {
  return severity === 'P0' || severity === 'P1';
}

export const DUPLICATE_WINDOW_MS = 10 * 60_000;
export const REOPEN_WINDOW_MS = 24 * 3_600_000;
const DAY_MS = 86_400_000;

// The heads-up comes a day before the archive; with a shorter delay, halfway through it.
export function archiveTimes(resolvedAt: Date, archiveAfterMs: number): { notice: Date; archive: Date } {
  const archive = new Date(resolvedAt.getTime() + archiveAfterMs);
  const lead = archiveAfterMs > DAY_MS ? DAY_MS : archiveAfterMs / 2;
  return { notice: new Date(archive.getTime() - lead), archive };
}

export type SeverityChange = { at: string; from: Severity | null; to: Severity; by: string };

// Figures of the summary. Time to resolve runs from declaration to the first resolution (the usual
// TTR); duration runs to the last one, so an incident that was reopened shows both.
export type IncidentFigures = { durationMs: number; timeToAcknowledgeMs: number | undefined; timeToResolveMs: number };

export function figuresOf(incident: {
  declaredAt: Date;
  acknowledgedAt: Date | undefined;
  firstResolvedAt: Date | undefined;
  resolvedAt: Date;
}): IncidentFigures {
  const start = incident.declaredAt.getTime();
  return {
    durationMs: incident.resolvedAt.getTime() - start,
    timeToAcknowledgeMs: incident.acknowledgedAt ? incident.acknowledgedAt.getTime() - start : undefined,
    timeToResolveMs: (incident.firstResolvedAt ?? incident.resolvedAt).getTime() - start,
  };
}

export function bridgeUrlFor(template: string | undefined, channelName: string): string | undefined {
  return template?.replaceAll('{channel}', encodeURIComponent(channelName));
}

// Affected services get Rollback buttons for where incidents happen: production when the service
// runs there, otherwise the last environment the catalog lists for it.
export function servicesOf(catalog: Catalog, services: readonly string[]): { service: string; env: string }[] {
  return services.flatMap((service) => {
    const environments = catalog.services[service]?.environments ?? [];
    const env = environments.includes('production') ? 'production' : environments.at(-1);
    return env ? [{ service, env }] : [];
  });
}
