import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

// The benchmarks' own catalog: no freeze windows (a run on a Friday evening must measure the same as
// one on a Tuesday), staging without approvals, production with the example's two approvers, and as
// many rolling services as a scenario needs (one change per target: parallel deploys need targets).
export function benchCatalog(services: string[]): Record<string, unknown> {
  return {
    environments: {
      staging: { context: 'staging', approval: 'none' },
      production: {
        context: 'prod',
        approval: { approvers: ['@sre-leads', 'U0ALICE001'], required: 2, expires: '30m' },
      },
    },
    services: Object.fromEntries(
      services.map((name) => [
        name,
        {
          namespace: 'shop',
          deployment: name,
          container: 'app',
          image: `registry.example.com/shop/${name}`,
          strategy: 'rolling',
          environments: ['staging', 'production'],
          timeout: '2m',
        },
      ]),
    ),
    roles: {
      deploy: ['@engineers'],
      rollback: ['@engineers', '@oncall'],
      backup: ['@dba', '@sre'],
      restore: ['@dba'],
      incident: ['*'],
      incidentAdmin: ['@incident-commanders'],
      admin: ['@sre-leads'],
    },
    incidents: { broadcastChannel: 'incidents', escalationChannel: 'eng-leads', oncall: ['@oncall'] },
  };
}

export async function writeBenchCatalog(services: string[]): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'opsbot-bench-catalog-')), 'catalog.yml');
  await writeFile(path, stringify(benchCatalog(services)));
  return path;
}
