import { type IncidentRecord, type TimelineRow } from '../../src/core/incident-record.ts';
import { describe, expect, it } from '@jest/globals';
import { incidentCardView, topicOf } from '../../src/bot/views/incident-card.ts';
import { postmortemMarkdown, summaryView, timelineView } from '../../src/bot/views/incident-report.ts';

const declaredAt = new Date('2026-11-23T03:00:00Z');

function incident(overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  return {
    id: '0123456789abcdef',
    deliveryKey: 'command:x',
    title: 'checkout errors',
    description: undefined,
    setup: 'done',
    declaredBy: 'U0BOB00002',
    services: ['checkout'],
    originChannel: 'C0GENERAL01',
    channelName: 'inc-20261123-checkout-errors',
    channelId: 'C0INC000001',
    correlationId: 'c-1',
    declaredAt,
    archivedAt: undefined,
    cardTs: '1.000001',
    cardVersion: 0,
    steps: {},
    status: 'investigating',
    severity: 'P1',
    commander: undefined,
    acknowledgedAt: undefined,
    acknowledgedBy: undefined,
    resolvedAt: undefined,
    firstResolvedAt: undefined,
    resolvedBy: undefined,
    summary: undefined,
    lastUpdateAt: declaredAt,
    severityHistory: [{ at: declaredAt.toISOString(), from: null, to: 'P1', by: 'U0BOB00002' }],
    version: 0,
    clockGen: 0,
    ...overrides,
  };
}

const row = (minute: number, kind: string, actor: string, text: string): TimelineRow => ({
  id: minute,
  at: new Date(declaredAt.getTime() + minute * 60_000),
  kind,
  actor,
  text,
  permalink: undefined,
  sourceTs: undefined,
});

describe('the status card', () => {
  it('has the four buttons and a Roll back button per affected service while open, none once resolved', () => {
    const open = JSON.stringify(
      incidentCardView(incident(), 'https://meet.example.com/x', [{ service: 'checkout', env: 'production' }]).blocks,
    );
    for (const action of [
      'incident_ack',
      'incident_severity',
      'incident_update',
      'incident_resolve',
      'deploy_rollback',
    ])
      expect(open).toContain(`"action_id":"${action}"`);
    const resolved = JSON.stringify(
      incidentCardView(incident({ status: 'resolved', resolvedAt: declaredAt, resolvedBy: 'U0ERIN0005' }), undefined, [
        { service: 'checkout', env: 'production' },
      ]).blocks,
    );
    expect(resolved).not.toContain('"action_id"');
    expect(resolved).toContain('Resolved by <@U0ERIN0005>');
  });

  it('says whether the on-call was paged, and shows a failed or retried page', () => {
    const card = (status: Record<string, unknown> | undefined) =>
      JSON.stringify(incidentCardView(incident({ steps: { 'paging.status': status } }), undefined, []).blocks);
    const at = '2026-11-30T10:02:00.000Z';
    expect(card(undefined)).not.toContain('paging');
    expect(card({ state: 'sent', action: 'trigger', severity: 'P1', at })).toContain(
      ':pager: paged on-call (P1) at <!date^1796032920^{time}|10:02 UTC>',
    );
    expect(
      card({ state: 'failed', action: 'trigger', severity: 'P0', at, reason: 'PagerDuty HTTP 400: bad' }),
    ).toContain('⚠ paging failed: PagerDuty HTTP 400: bad');
    expect(card({ state: 'retrying', action: 'acknowledge', severity: 'P1', at, reason: 'rate limited' })).toContain(
      '⚠ paging (acknowledge) retrying: rate limited',
    );
  });

  it('shows the last change recorded at declaration, what became of it, and says when there was none or it could not be read', () => {
    const card = (lastChange: Record<string, unknown>) =>
      JSON.stringify(
        incidentCardView(incident({ steps: { 'last-change': lastChange } }), undefined, [
          { service: 'checkout', env: 'production' },
        ]).blocks,
      );
    const twelveBefore = new Date(declaredAt.getTime() - 12 * 60_000).toISOString();
    const known = {
      state: 'known',
      kind: 'deploy',
      version: '1.4.2',
      requester: 'U0BOB00002',
      startedAt: twelveBefore,
    };
    expect(card({ checkout: { ...known, outcome: 'succeeded' } })).toContain(
      'last change: 1.4.2 by <@U0BOB00002>, 12 minutes before declaration',
    );
    expect(card({ checkout: { ...known, outcome: 'failed' } })).toContain('12 minutes before declaration (failed)');
    expect(card({ checkout: { ...known, outcome: null } })).toContain('(still running)');
    expect(card({ checkout: { state: 'none' } })).toContain('last change: none recorded by ops-bot');
    expect(card({ checkout: { state: 'unreadable' } })).toContain('last change: could not be read');
    // Incidents declared before the line existed, or a value that does not parse: no line, no crash.
    expect(card({ checkout: { state: 'known' } })).not.toContain('last change');
    expect(
      JSON.stringify(incidentCardView(incident(), undefined, [{ service: 'checkout', env: 'production' }])),
    ).not.toContain('last change');
  });

  it('offers Roll back without a static confirm: the press opens a form naming both ends', () => {
    const card = incidentCardView(incident(), undefined, [{ service: 'checkout', env: 'production' }]);
    const button = card.blocks
      .map((block) => block.accessory as { action_id?: string; value?: string; confirm?: unknown } | undefined)
      .find((accessory) => accessory?.action_id === 'deploy_rollback');
    expect(JSON.parse(button!.value!)).toEqual({ service: 'checkout', env: 'production', lastGood: true });
    expect(button!.confirm).toBeUndefined();
    expect(JSON.stringify(card.blocks)).not.toContain('"confirm"');
  });

  it('keeps the topic within Slack’s 250 characters', () => {
    expect(
      topicOf(incident({ commander: 'U0ERIN0005' }), 'https://meet.example.com/inc-20261123-checkout-errors'),
    ).toBe(
      'P1 · investigating · commander <@U0ERIN0005> · bridge https://meet.example.com/inc-20261123-checkout-errors',
    );
    expect(topicOf(incident(), `https://meet.example.com/${'x'.repeat(300)}`).length).toBe(250);
  });
});

describe('the summary and the postmortem draft', () => {
  const resolved = incident({
    status: 'resolved',
    commander: 'U0ERIN0005',
    acknowledgedAt: new Date(declaredAt.getTime() + 4 * 60_000),
    resolvedAt: new Date(declaredAt.getTime() + 42 * 60_000),
    firstResolvedAt: new Date(declaredAt.getTime() + 42 * 60_000),
    resolvedBy: 'U0ERIN0005',
    summary: 'bad release &amp; slow rollback',
  });
  const rows = [
    row(0, 'declared', 'U0BOB00002', 'P1 declared by <@U0BOB00002>: checkout errors'),
    row(3, 'pin', 'U0CAROL003', 'errors at 40% &lt;here&gt;'),
    row(42, 'resolved', 'U0ERIN0005', 'Resolved by <@U0ERIN0005>'),
  ];

  it('summarises durations, severity history and participants', () => {
    const text = JSON.stringify(summaryView(resolved, rows, 'summary.v3', new Date()).blocks);
    expect(text).toContain('*Duration*\\n42m');
    expect(text).toContain('*Time to acknowledge*\\n4m');
    expect(text).toContain('*Time to resolve*\\n42m');
    expect(text).toContain('<@U0BOB00002> <@U0ERIN0005> <@U0CAROL003>');
  });

  it('writes the draft in Markdown with names for mentions, the facts filled in and the questions open', () => {
    const names: Record<string, string> = { U0BOB00002: 'bob', U0CAROL003: 'carol', U0ERIN0005: 'erin' };
    const markdown = postmortemMarkdown(resolved, rows, (id) => names[id] ?? id, new Date());
    expect(markdown).toContain('# Postmortem: checkout errors');
    expect(markdown).toContain('- **Time to acknowledge:** 4m');
    expect(markdown).toContain('| 2026-11-23 03:03:00 | pin | @carol | errors at 40% <here> |');
    expect(markdown).toContain('- **Commander:** @erin');
    expect(markdown).toContain('## Root cause');
    expect(markdown).not.toContain('<@');
  });

  it('fits a long timeline into Slack’s 50 blocks, saying what it left out', () => {
    const many = Array.from({ length: 3_000 }, (_, index) =>
      row(index, 'note', 'U0BOB00002', `note number ${index} ${'x'.repeat(80)}`),
    );
    const rendered = timelineView(resolved, many);
    expect(rendered.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(rendered.blocks)).toContain('earlier part(s) of the timeline');
    expect(JSON.stringify(rendered.blocks)).toContain('note number 2999');
  });
});
