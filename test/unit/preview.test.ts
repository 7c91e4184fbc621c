import { describe, expect, it } from '@jest/globals';
import { catalogSchema } from '../../src/core/catalog.ts';
import { previewGate } from '../../src/core/preview.ts';

const now = new Date('2026-11-25T10:00:00Z');
const catalog = catalogSchema.parse({
  environments: {
    production: {
      context: 'prod',
      approval: { approvers: ['@sre-leads'], required: 2, expires: '30m' },
      rollbackApproval: { approvers: ['@oncall'], required: 1, expires: '15m' },
      freeze: [{ name: 'friday', days: ['wed'], from: '10:20', to: '18:00', tz: 'UTC' }],
    },
    staging: { context: 'staging' },
  },
});
const production = catalog.environments.production!;
const ask = { env: production, breakGlass: undefined, requester: 'U0BOB00002', now };

describe('previewGate', () => {
  it('names a freeze that starts before the approval would expire', () => {
    const preview = previewGate({ ...ask, kind: 'deploy' });
    expect(preview.freeze).toMatchObject({ name: 'friday', inForce: false });
    expect(preview.verdict).toBe('needs 2 approvals from @sre-leads');
  });

  it('uses the lighter rollback approval, whose 15 minutes end before that freeze', () => {
    const preview = previewGate({ ...ask, kind: 'rollback' });
    expect(preview.freeze).toBeUndefined();
    expect(preview.verdict).toBe('needs 1 approval from @oncall');
  });

  it('says it is blocked when a freeze is in force and nothing can override it', () => {
    const preview = previewGate({ ...ask, kind: 'deploy', now: new Date('2026-11-25T12:00:00Z') });
    expect(preview.freeze).toMatchObject({ name: 'friday', inForce: true });
    expect(preview.verdict).toBe(
      'blocked by the freeze "friday" until 2026-11-25 18:00 UTC: nothing overrides it (this environment has no break-glass policy)',
    );
  });

  it('would run now where nothing is asked for', () => {
    const preview = previewGate({ ...ask, env: catalog.environments.staging!, kind: 'deploy' });
    expect(preview).toMatchObject({ approval: undefined, freeze: undefined, verdict: 'would run now' });
  });

  it('says when the lock could not be read, rather than calling it free', () => {
    const preview = previewGate({ ...ask, env: catalog.environments.staging!, kind: 'deploy', holder: 'unreadable' });
    expect(preview.verdict).toContain('the lock could not be read');
  });
});
