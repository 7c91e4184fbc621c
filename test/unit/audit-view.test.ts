import { describe, expect, it } from '@jest/globals';
import { auditView } from '../../src/bot/views/audit.ts';
import type { AuditRow } from '../../src/core/audit.ts';

const row = (id: number): AuditRow => ({
  id,
  at: new Date(Date.UTC(2026, 10, 30, 12, 0, id)),
  event: 'request',
  decision: 'accepted',
  actor: 'U0BOB00002',
  correlationId: `c${id}`,
  action: 'deploy.request',
  target: 'checkout/staging',
});

describe('the /ops audit list', () => {
  it('says when it was cut instead of ending as if complete', () => {
    const cut = auditView(
      Array.from({ length: 26 }, (_, index) => row(26 - index)),
      undefined,
      3_600_000,
      25,
    );
    expect(cut.text).toContain('Only the newest 25 are shown');
    expect(cut.text.split('\n').filter((text) => text.includes('deploy.request'))).toHaveLength(25);
  });

  it('says nothing of a cut when everything fits', () => {
    const whole = auditView([row(2), row(1)], 'checkout', 3_600_000, 25);
    expect(whole.text).not.toContain('Only the newest');
  });
});
