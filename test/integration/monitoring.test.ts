import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { IMAGE, approvalMessage, currentImage, seedCheckout } from '../support/approvals.ts';
import { eventually } from '../support/eventually.ts';
import { metricValue, metricsText } from '../support/queue-totals.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { openStores, type StoreFixture } from '../support/store-fixture.ts';

// deploy/monitoring against the bot it watches: every series a rule or a panel reads is one the real
// bot exports, and the rules have the shape Prometheus and Alertmanager routing expect.
const ALERTS = new URL('../../deploy/monitoring/alerts.yml', import.meta.url).pathname;
const DASHBOARD = new URL('../../deploy/monitoring/dashboard.json', import.meta.url).pathname;

// Series that come from Prometheus itself (up) or from kube-state-metrics, not from ops-bot.
const EXTERNAL = new Set(['up', 'kube_deployment_status_replicas_available']);
const PROMQL_WORDS = new Set(
  'sum min max avg count rate increase irate histogram_quantile absent by without on ignoring or and unless bool'.split(
    ' ',
  ),
);

const rule = z.object({
  alert: z.string().regex(/^OpsBot[A-Za-z]+$/),
  expr: z.string().min(1),
  for: z.string().regex(/^\d+[smh]$/),
  labels: z.object({ severity: z.enum(['critical', 'warning', 'info']) }),
  annotations: z.object({
    summary: z.string().min(1),
    description: z.string().min(1),
    runbook_url: z.string().regex(/^docs\/operations\.md#[a-z-]+$/),
  }),
});
const ruleFile = z.object({ groups: z.array(z.object({ name: z.string(), rules: z.array(rule).min(1) })).min(1) });
const dashboard = z.object({
  panels: z.array(z.object({ targets: z.array(z.object({ expr: z.string() })).optional() })),
});

function rules() {
  return ruleFile.parse(parse(readFileSync(ALERTS, 'utf8'))).groups.flatMap((group) => group.rules);
}

function dashboardExprs(): string[] {
  const { panels } = dashboard.parse(JSON.parse(readFileSync(DASHBOARD, 'utf8')));
  return panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
}

// Metric names in a PromQL expression: what is left once label matchers, ranges, strings, grouping
// clauses and function names are taken out.
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/"[^"]*"/g, ' ')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ');
  const words = bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return words.filter((word) => !PROMQL_WORDS.has(word));
}

function exported(text: string): Set<string> {
  return new Set([...text.matchAll(/^# (?:HELP|TYPE) (\S+)/gm)].map((match) => match[1]!));
}

function missingFrom(names: Set<string>, wanted: string[]): string[] {
  return wanted.filter(
    (name) => !EXTERNAL.has(name) && !names.has(name) && !names.has(name.replace(/_(bucket|sum|count)$/, '')),
  );
}

describe('deploy/monitoring files', () => {
  it('has rules each with an alert, expr, for, a severity and a summary', () => {
    const all = rules();
    expect(all.length).toBeGreaterThanOrEqual(7);
    expect(new Set(all.map((one) => one.alert)).size).toBe(all.length);
  });

  it('finds metric names in PromQL, not label names, functions or ranges', () => {
    expect(
      metricNames('histogram_quantile(0.99, sum by (le) (rate(opsbot_slack_ack_seconds_bucket{name="x"}[5m])))'),
    ).toEqual(['opsbot_slack_ack_seconds_bucket']);
    expect(metricNames('sum(up{job="w"}) == 0 or absent(up{job="w"})')).toEqual(['up', 'up']);
  });

  it('passes promtool when it is installed', () => {
    const promtool = spawnSync('promtool', ['check', 'rules', ALERTS], { encoding: 'utf8' });
    if (promtool.error) return; // not installed here: the zod shape above is the check
    expect(promtool.stdout + promtool.stderr).toContain('SUCCESS');
  });
});

describe('the metrics the rules and the dashboard read', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
    seedCheckout(stack);
  }, 30_000);

  afterAll(async () => {
    await stack.close();
  });

  it('all exist in the bot’s /metrics after a deploy and a pending approval', async () => {
    await stack.slack.command('bob', '/deploy checkout 1.4.2 to staging');
    await eventually(() => expect(currentImage(stack, 'staging')).toBe(`${IMAGE}:1.4.2`), { what: 'staging on 1.4.2' });
    await stack.slack.command('bob', '/deploy checkout 1.4.2 to production --reason "monitoring"');
    await approvalMessage(stack, '1.4.2');
    const text = await eventually(async () => {
      const scraped = await metricsText(stack.bot);
      const where = { service: 'checkout', env: 'staging', outcome: 'succeeded' };
      expect(metricValue(scraped, 'opsbot_releases_total', where)).toBe(1);
      expect(metricValue(scraped, 'opsbot_queue_next_delayed_seconds', { kind: 'approval-expire' })).toBeGreaterThan(0);
      return scraped;
    });
    const used = [...rules().map((one) => one.expr), ...dashboardExprs()].flatMap(metricNames);
    expect(used).toContain('opsbot_queue_oldest_waiting_seconds');
    expect(missingFrom(exported(text), used)).toEqual([]);
    // The pending production approval expires within the example catalog's 30 minutes.
    expect(metricValue(text, 'opsbot_queue_next_delayed_seconds', { kind: 'approval-expire' })).toBeLessThanOrEqual(
      1800,
    );
    expect(metricValue(text, 'opsbot_queue_oldest_waiting_seconds', { kind: 'deploy' })).toBe(0);
  }, 60_000);
});

describe('queue times read at scrape time', () => {
  let fixture: StoreFixture;

  beforeAll(async () => {
    fixture = await openStores('opsbot_queue_times');
  });

  afterAll(async () => {
    await fixture.close();
  });

  it('give the age of the oldest waiting job and the time to the next delayed one, per kind', async () => {
    const { queues, metrics } = fixture;
    // No worker runs here: the jobs stay where they were put.
    await queues.queue('whoami').add('whoami', {}, { jobId: 'old', timestamp: Date.now() - 600_000 });
    await queues.queue('whoami').add('whoami', {}, { jobId: 'new' });
    await queues.queue('approval-expire').add('approval-expire', {}, { jobId: 'later', delay: 900_000 });
    await queues.queue('approval-expire').add('approval-expire', {}, { jobId: 'sooner', delay: 300_000 });
    const text = await metrics.registry.metrics();
    expect(metricValue(text, 'opsbot_queue_oldest_waiting_seconds', { kind: 'whoami' })).toBeGreaterThanOrEqual(600);
    expect(metricValue(text, 'opsbot_queue_oldest_waiting_seconds', { kind: 'deploy' })).toBe(0);
    const next = metricValue(text, 'opsbot_queue_next_delayed_seconds', { kind: 'approval-expire' });
    expect(next).toBeGreaterThan(0);
    expect(next).toBeLessThanOrEqual(300);
    expect(text).not.toMatch(/opsbot_queue_next_delayed_seconds\{kind="whoami"\}/);
  });
});
