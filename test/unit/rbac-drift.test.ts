import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { loadCatalog } from '../../src/config/catalog-load.ts';
import { rbacFiles } from '../../src/config/rbac/files.ts';

// The RBAC and IAM files committed under deploy/ are exactly what `npm run rbac` writes for the
// catalogs beside them: regenerate with the commands in docs/operations.md, "RBAC and IAM".
const ROOT = new URL('../../', import.meta.url).pathname;
const SUBJECT = { kind: 'ServiceAccount', namespace: 'ops-bot', name: 'ops-bot' } as const;

describe('generated RBAC under deploy/', () => {
  it('deploy/rbac is `npm run rbac -- deploy/base/catalog.yml --out deploy/rbac`', async () => {
    const source = 'deploy/base/catalog.yml';
    const files = rbacFiles(await loadCatalog(`${ROOT}${source}`), { subject: SUBJECT, source });
    expect(readdirSync(`${ROOT}deploy/rbac`).sort()).toEqual([...files.keys()].sort());
    for (const [name, text] of files) expect(readFileSync(`${ROOT}deploy/rbac/${name}`, 'utf8')).toBe(text);
  });

  it("the in-cluster overlay's rbac/ holds the Role of its own catalog", async () => {
    const source = 'deploy/overlays/in-cluster/catalog.yml';
    const files = rbacFiles(await loadCatalog(`${ROOT}${source}`), { subject: SUBJECT, source });
    const dir = `${ROOT}deploy/overlays/in-cluster/rbac`;
    expect(readFileSync(`${dir}/inClusterContext.yaml`, 'utf8')).toBe(files.get('inClusterContext.yaml'));
  });
});
