import { describe, expect, it } from '@jest/globals';
import { CatalogError, parseCatalog } from '../../src/config/catalog-load.ts';
import { pagingActionFor, pagingWords } from '../../src/core/paging.ts';
import { validateEvent } from '../../src/sandbox/paging/events.ts';

const BASE = `environments:
  staging:
    context: staging
incidents:
`;

function problemsOf(paging: string): string[] {
  try {
    parseCatalog('catalog.yml', `${BASE}  paging: ${paging}\n`);
  } catch (error) {
    if (error instanceof CatalogError) return error.problems;
    throw error;
  }
  return [];
}

describe('catalog incidents.paging', () => {
  it('takes routing keys by env reference, for P0 and P1 only', () => {
    expect(problemsOf('{ P0: env:PD_P0, P1: env:PD_P1 }')).toEqual([]);
    const catalog = parseCatalog('catalog.yml', `${BASE}  paging: { P1: env:PAGERDUTY_ROUTING_KEY }\n`);
    expect(catalog.incidents.paging).toEqual({ P1: 'env:PAGERDUTY_ROUTING_KEY' });
    expect(parseCatalog('catalog.yml', BASE.replace('incidents:\n', '')).incidents.paging).toEqual({});
    expect(problemsOf('{ P2: env:PD_P2 }').join('\n')).toMatch(/P2/);
  });

  it('refuses a literal key, saying why and what to write instead', () => {
    const problems = problemsOf('{ P1: 0123456789abcdef0123456789abcdef }').join('\n');
    expect(problems).toContain('incidents.paging.P1');
    expect(problems).toContain('a routing key must not be written in the catalog: give env:NAME');
    expect(problemsOf('{ P1: "env:pd-key" }').join('\n')).toContain('"env:pd-key" is not a valid env reference');
  });
});

describe('what a change sends', () => {
  it('acknowledges and resolves; triggers on a change to or reopening of P0/P1 only', () => {
    expect(pagingActionFor('acknowledged', 'P3')).toBe('acknowledge');
    expect(pagingActionFor('resolve', 'P2')).toBe('resolve');
    expect(pagingActionFor('announce-severity', 'P1')).toBe('trigger');
    expect(pagingActionFor('announce-severity', 'P0')).toBe('trigger');
    expect(pagingActionFor('announce-severity', 'P2')).toBeUndefined();
    expect(pagingActionFor('reopen', 'P0')).toBe('trigger');
    expect(pagingActionFor('reopen', 'P3')).toBeUndefined();
    expect(pagingActionFor('post-update', 'P0')).toBeUndefined();
  });

  it('words the card line', () => {
    const at = '2026-11-30T10:02:00.000Z';
    expect(pagingWords({ state: 'sent', action: 'trigger', severity: 'P1', at })).toBe('paged on-call (P1)');
    expect(pagingWords({ state: 'failed', action: 'trigger', severity: 'P1', at, reason: 'HTTP 400' })).toBe(
      '⚠ paging failed: HTTP 400',
    );
    expect(pagingWords({ state: 'retrying', action: 'resolve', severity: 'P0', at, reason: 'rate limited' })).toBe(
      '⚠ paging (resolve) retrying: rate limited',
    );
  });
});

describe('the simulator checks events as the Events API v2 does', () => {
  const key = 'a'.repeat(32);
  const payload = { summary: 'checkout down', source: 'ops-bot', severity: 'error' };

  it('accepts a trigger, and an acknowledge or resolve with a dedup key', () => {
    expect(validateEvent({ routing_key: key, event_action: 'trigger', payload })).toHaveProperty('event');
    expect(validateEvent({ routing_key: key, event_action: 'resolve', dedup_key: 'x' })).toHaveProperty('event');
  });

  it('lists every problem of an invalid event', () => {
    expect(validateEvent({ routing_key: 'short', event_action: 'page', dedup_key: 'k'.repeat(256) })).toEqual({
      errors: [
        "Length of 'routing_key' is incorrect (should be 32 characters).",
        "'event_action' is invalid (must be one of trigger, acknowledge, resolve).",
        "'dedup_key' must be a string of at most 255 characters.",
      ],
    });
    expect(validateEvent({ routing_key: key, event_action: 'acknowledge' })).toEqual({
      errors: ["'dedup_key' is required for acknowledge events."],
    });
    expect(validateEvent({ routing_key: key, event_action: 'trigger', payload: { severity: 'high' } })).toEqual({
      errors: [
        "'payload.summary' is missing or blank.",
        "'payload.source' is missing or blank.",
        "'payload.severity' is invalid (must be one of critical, error, warning, info).",
      ],
    });
  });
});
