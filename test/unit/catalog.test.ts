import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from '@jest/globals';
import { catalogJsonSchema } from '../../src/config/catalog-json-schema.ts';
import { CatalogError, loadCatalog, parseCatalog } from '../../src/config/catalog-load.ts';

// A verbatim copy of ../shared/design/catalog.reference.yml, so a clone outside the workspace can run.
const REFERENCE = new URL('../fixtures/catalog.reference.yml', import.meta.url).pathname;
const SHARED_REFERENCE = new URL('../../../shared/design/catalog.reference.yml', import.meta.url).pathname;
const EXAMPLE = new URL('../../config/catalog.example.yml', import.meta.url).pathname;

function problemsOf(yaml: string): string[] {
  try {
    parseCatalog('catalog.yml', yaml);
  } catch (error) {
    if (error instanceof CatalogError) return error.problems;
    throw error;
  }
  throw new Error('the catalog was accepted');
}

const MINIMAL = `environments:
  staging:
    context: staging
services:
  checkout:
    namespace: shop
    deployment: checkout
    container: app
    image: registry.example.com/shop/checkout
    environments: [staging]
`;

describe('the catalog contract', () => {
  it('loads the reference catalog as it is, with the meaning of its comments', async () => {
    const catalog = await loadCatalog(REFERENCE);
    const production = catalog.environments.production!;
    expect(production.approval).toEqual({
      approvers: [
        { kind: 'group', handle: 'sre-leads' },
        { kind: 'user', id: 'U0ALICE001' },
      ],
      required: 2,
      expires: 30 * 60_000,
    });
    expect(production.rollbackApproval).toMatchObject({ required: 1, expires: 15 * 60_000 });
    expect(production.freeze).toEqual([
      { name: 'weekend', days: ['fri', 'sat', 'sun'], from: '16:00', to: '08:00', tz: 'Europe/Berlin' },
      { name: 'year-end', start: '2026-12-20', end: '2027-01-04', tz: 'UTC' },
    ]);
    expect(catalog.environments.staging!.approval).toBe('none');
    expect(catalog.services.checkout).toMatchObject({
      strategy: 'rolling',
      autoRollback: true,
      timeout: 15 * 60_000,
      backupBefore: 'orders',
      healthCheck: { expectStatus: 200 },
    });
    expect(catalog.services.search!.canary).toEqual({ steps: [10, 25, 50, 100], hold: 5 * 60_000 });
    expect(catalog.databases.analytics).toMatchObject({
      engine: 'rds-cluster',
      verify: { allowed: true, instanceClass: 'db.t3.medium' },
    });
    expect(catalog.databases.ledger).toMatchObject({
      engine: 'postgres',
      url: 'env:LEDGER_DATABASE_URL',
      retention: 90 * 86_400_000,
    });
    expect(catalog.roles.incident).toEqual([{ kind: 'everyone' }]);
    expect(catalog.incidents.severities.P0).toMatchObject({ ackWithin: 15 * 60_000, updateEvery: 30 * 60_000 });
  });

  it('uses the contract exactly as published', async () => {
    if (!existsSync(SHARED_REFERENCE)) return; // outside the workspace: the copy is all there is
    expect(await readFile(REFERENCE, 'utf8')).toBe(await readFile(SHARED_REFERENCE, 'utf8'));
  });

  it('loads the example catalog, which covers every feature', async () => {
    const catalog = await loadCatalog(EXAMPLE);
    expect(Object.keys(catalog.services)).toEqual(['checkout', 'storefront', 'search']);
    expect(catalog.incidents.checklist).toHaveLength(6);
  });

  it('fills the defaults a small catalog leaves out, and gives nobody a role it does not name', () => {
    const catalog = parseCatalog('catalog.yml', MINIMAL);
    expect(catalog.services.checkout).toMatchObject({ strategy: 'rolling', autoRollback: true, timeout: 15 * 60_000 });
    expect(catalog.roles).toEqual({});
    expect(catalog.incidents.severities.P3.ackWithin).toBe(24 * 3_600_000);
  });
});

describe('a broken catalog', () => {
  it('names the file, the line and the field, and says what was expected', () => {
    const problems = problemsOf(
      MINIMAL.replace('    environments: [staging]', '    strategy: blue\n    environments: [staging]'),
    );
    expect(problems).toEqual([
      'catalog.yml:10:15: services.checkout.strategy: expected rolling, bluegreen or canary (got "blue")',
    ]);
  });

  it('names the field inside "none or a policy" and the type it expects', () => {
    const policy = '    approval: { approvers: ["@sre"], required: two }';
    expect(problemsOf(MINIMAL.replace('    context: staging', `    context: staging\n${policy}`))).toEqual([
      'catalog.yml:4:48: environments.staging.approval.required: expected a number, got "two"',
    ]);
    expect(problemsOf(MINIMAL.replace('    context: staging', '    context: staging\n    approval: nobody'))).toEqual([
      'catalog.yml:4:15: environments.staging.approval: expected "none" or {approvers, required, expires} (got "nobody")',
    ]);
    expect(problemsOf(MINIMAL.replace('    context: staging', '    context: [staging]'))).toEqual([
      'catalog.yml:3:14: environments.staging.context: expected text, got a list',
    ]);
  });

  it('catches a misspelt key instead of silently dropping a safety rule', () => {
    const problems = problemsOf(MINIMAL.replace('    context: staging', '    context: staging\n    aproval: none'));
    expect(problems[0]).toMatch(/^catalog\.yml:4:\d+: environments\.staging: unknown key "aproval"/);
  });

  it('checks references between sections', () => {
    const problems = problemsOf(MINIMAL.replace('[staging]', '[staging, prod]'));
    expect(problems[0]).toContain(
      'services.checkout.environments.1: unknown environment "prod" (environments: staging)',
    );
  });

  it.each([
    [
      'a duration without a unit',
      MINIMAL.replace('    environments: [staging]', '    timeout: 15\n    environments: [staging]'),
      'expected a duration such as 30s',
    ],
    [
      'an unknown time zone',
      MINIMAL.replace(
        '    context: staging',
        '    context: staging\n    freeze:\n      - { name: x, start: 2026-12-20, end: 2026-12-21, tz: Mars/Base }',
      ),
      'expected an IANA time zone',
    ],
    [
      'a person that is neither id nor handle',
      `${MINIMAL}roles:\n  deploy: ["alice"]\n`,
      'expected a Slack user id (U…), a user-group handle (@handle) or "*"',
    ],
    [
      'a reserved word as a service name',
      MINIMAL.replace('  checkout:', '  history:'),
      'is a word of the command grammar',
    ],
    ['a YAML syntax error', 'environments:\n  staging: [\n', 'YAML:'],
  ])('explains %s', (_label, yaml, expected) => {
    expect(problemsOf(yaml).join('\n')).toContain(expected);
  });

  it('says where the catalog should be when the file is missing', async () => {
    await expect(loadCatalog('/nonexistent/catalog.yml')).rejects.toThrow(
      'cannot read the catalog: ENOENT (set OPS_CATALOG',
    );
  });

  it('asks only to check the path when the path was given (a command argument)', async () => {
    await expect(loadCatalog('/nonexistent/catalog.yml', { named: true })).rejects.toThrow(
      /cannot read the catalog: ENOENT \(check the path\)$/,
    );
  });
});

describe('config/catalog.schema.json', () => {
  it('is the schema generated from the zod catalog schema (run `npm run config:schema` when this fails)', async () => {
    const checkedIn = await readFile(new URL('../../config/catalog.schema.json', import.meta.url), 'utf8');
    expect(checkedIn).toBe(catalogJsonSchema());
  });
});
