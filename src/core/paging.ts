import { z } from 'zod';
import type { Severity } from './grammar/values.ts';
import type { IncidentEffect } from './incident-events.ts';

// Paging the on-call through PagerDuty's Events API v2 (decision 0032): the incident's id is the
// dedup key, so its trigger, acknowledge and resolve land on one PagerDuty alert.

export const PAGING_ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
export type PagingAction = (typeof PAGING_ACTIONS)[number];

export const PAGED_SEVERITIES = ['P0', 'P1'] as const;
export type PagedSeverity = (typeof PAGED_SEVERITIES)[number];

export function isPaged(severity: Severity): severity is PagedSeverity {
  return severity === 'P0' || severity === 'P1';
}

// PagerDuty's payload severity: critical pages louder than error in most urgency rules.
export const PAGERDUTY_SEVERITY: Record<PagedSeverity, 'critical' | 'error'> = { P0: 'critical', P1: 'error' };

// What a change of the incident sends: acknowledging and resolving follow the trigger; a change to
// P0/P1, or reopening one, triggers again (PagerDuty opens a new alert once the old one is resolved).
// Lowering to P2 sends nothing: the page stays until someone resolves it, here or in PagerDuty.
export function pagingActionFor(effect: IncidentEffect, severity: Severity): PagingAction | undefined {
  switch (effect) {
    case 'acknowledged':
      return 'acknowledge';
    case 'resolve':
      return 'resolve';
    case 'announce-severity':
    case 'reopen':
      return isPaged(severity) ? 'trigger' : undefined;
    case 'post-update':
      return undefined;
  }
}

// The last thing paging did for an incident, kept in its steps under PAGING_STATUS_STEP and shown on
// the card: a page that failed or is being retried is never silent.
export const pagingStatusSchema = z.object({
  state: z.enum(['sent', 'retrying', 'failed']),
  action: z.enum(PAGING_ACTIONS),
  severity: z.enum(PAGED_SEVERITIES),
  at: z.string(),
  reason: z.string().optional(),
});
export type PagingStatus = z.output<typeof pagingStatusSchema>;

export const PAGING_STATUS_STEP = 'paging.status';
// `paging.triggered.P1`: that severity's routing key accepted a trigger, so acknowledge and resolve go
// there too. One step per severity: two triggers finishing at once each write their own key.
export function triggeredStep(severity: PagedSeverity): string {
  return `paging.triggered.${severity}`;
}

export function pagingStatusOf(steps: Record<string, unknown>): PagingStatus | undefined {
  return pagingStatusSchema.safeParse(steps[PAGING_STATUS_STEP]).data;
}

export function triggeredSeveritiesOf(steps: Record<string, unknown>): PagedSeverity[] {
  return PAGED_SEVERITIES.filter((severity) => steps[triggeredStep(severity)] === true);
}

const DONE: Record<PagingAction, string> = {
  trigger: 'paged on-call',
  acknowledge: 'acknowledged the page',
  resolve: 'resolved the page',
};

// "paged on-call (P1)", "⚠ paging failed: …", "⚠ paging retrying: …"; the card adds the time, in
// the reader's time zone.
export function pagingWords(status: PagingStatus): string {
  const verb = status.action === 'trigger' ? 'paging' : `paging (${status.action})`;
  if (status.state === 'failed') return `⚠ ${verb} failed: ${status.reason ?? 'unknown error'}`;
  if (status.state === 'retrying') return `⚠ ${verb} retrying: ${status.reason ?? 'unknown error'}`;
  return `${DONE[status.action]} (${status.severity})`;
}
