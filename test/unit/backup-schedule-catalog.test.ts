import { describe, expect, it } from '@jest/globals';
import { CatalogError, parseCatalog } from '../../src/config/catalog-load.ts';
import { cronProblem, digestTimeZone, rpoState, verifyDue } from '../../src/core/backup-schedule.ts';

function problemsOf(yaml: string): string[] {
  try {
    parseCatalog('catalog.yml', yaml);
  } catch (error) {
    if (error instanceof CatalogError) return error.problems;
    throw error;
  }
  throw new Error('the catalog was accepted');
}

const catalog = (keys: string, verify = '') => `environments:
  production: { context: prod }
databases:
  orders:
    engine: rds-instance
    identifier: orders-prod
    region: eu-central-1
    environment: production${verify}
${keys}`;

describe('databases.<db>.schedule, verifyEvery, rpo and report', () => {
  it('are read with their defaults', () => {
    const parsed = parseCatalog(
      'catalog.yml',
      catalog(
        '    schedule: { cron: "0 3 * * *" }\n    rpo: 24h\n    verifyEvery: 7d',
        '\n    verify: { allowed: true }',
      ),
    );
    expect(parsed.databases.orders).toMatchObject({
      schedule: { cron: '0 3 * * *', tz: 'UTC' },
      rpo: 86_400_000,
      verifyEvery: 7 * 86_400_000,
      report: 'failures',
    });
  });

  it('refuse a cron that is not one, a wrong zone and an unknown report', () => {
    const problems = problemsOf(
      catalog('    schedule: { cron: "0 25 * * *", tz: Europe/Berlinn }\n    report: sometimes'),
    ).join('\n');
    expect(problems).toMatch(/databases\.orders\.schedule\.cron: "0 25 \* \* \*" is not a valid cron expression/);
    expect(problems).toContain('databases.orders.schedule.tz: expected an IANA time zone');
    expect(problems).toContain('databases.orders.report: expected report: failures or always');
    expect(problemsOf(catalog('    schedule: { cron: "daily" }')).join('\n')).toContain(
      'expected a cron expression of five fields (minute hour day month weekday) such as "0 3 * * *"',
    );
  });

  it('refuse a drill that could not run: no schedule, or an RDS verify not allowed', () => {
    const problems = problemsOf(catalog('    verifyEvery: 7d')).join('\n');
    expect(problems).toContain('verifyEvery needs verify.allowed: true');
    expect(problems).toContain('verifyEvery needs a schedule');
  });
});

describe('schedule rules', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  it('cron: five fields or six with seconds', () => {
    expect(cronProblem('0 3 * * *')).toBeUndefined();
    expect(cronProblem('*/2 * * * * *')).toBeUndefined();
    expect(cronProblem('0 3 * *')).toMatch(/five fields/);
  });

  it('rpo: breached when older than the RPO or missing', () => {
    expect(rpoState(3_600_000, new Date(now.getTime() - 7_200_000), now)).toEqual({ ageMs: 7_200_000, breached: true });
    expect(rpoState(3_600_000, new Date(now.getTime() - 60_000), now)).toEqual({ ageMs: 60_000, breached: false });
    expect(rpoState(3_600_000, undefined, now)).toEqual({ ageMs: undefined, breached: true });
  });

  it('verify: due when none passed or the last is at least verifyEvery old', () => {
    expect(verifyDue(86_400_000, undefined, now)).toBe(true);
    expect(verifyDue(86_400_000, new Date(now.getTime() - 86_400_000), now)).toBe(true);
    expect(verifyDue(86_400_000, new Date(now.getTime() - 3_600_000), now)).toBe(false);
  });

  it("digest: the first scheduled database's zone, else UTC", () => {
    expect(digestTimeZone([undefined, { tz: 'Europe/Berlin' }, { tz: 'UTC' }])).toBe('Europe/Berlin');
    expect(digestTimeZone([undefined])).toBe('UTC');
  });
});
