import { formatDuration } from '../core/duration.ts';
import { describePeople } from '../core/people.ts';
import { ROLE_NAMES } from '../core/roles.ts';
import type { Catalog, CatalogDatabase, CatalogEnvironment, CatalogService } from '../core/catalog.ts';

type Incidents = Catalog['incidents'];
type SeverityPolicy = Incidents['severities'][keyof Incidents['severities']];

function policyOf(env: CatalogEnvironment): string {
  if (env.approval === 'none') return 'no approval';
  const expires = `expires after ${formatDuration(env.approval.expires)}`;
  return `${env.approval.required} of ${describePeople(env.approval.approvers)}, not the requester, ${expires}`;
}

function rollbackPolicyOf(approval: NonNullable<CatalogEnvironment['rollbackApproval']>): string {
  return approval === 'none' ? 'no approval' : `${approval.required} of ${describePeople(approval.approvers)}`;
}

function freezeOf(env: CatalogEnvironment): string[] {
  return env.freeze.map((window) =>
    'days' in window
      ? `freeze "${window.name}": ${window.days.join(',')} ${window.from}→${window.to} ${window.tz}`
      : `freeze "${window.name}": ${window.start} … ${window.end} ${window.tz}`,
  );
}

function environmentLines(name: string, env: CatalogEnvironment): string[] {
  const lines = [`  ${name} (context ${env.context}): ${policyOf(env)}`];
  if (env.rollbackApproval) lines.push(`    rollbacks: ${rollbackPolicyOf(env.rollbackApproval)}`);
  if (env.breakGlass)
    lines.push(`    break-glass: +${env.breakGlass.required} of ${describePeople(env.breakGlass.approvers)}`);
  if (env.approvalChannel) lines.push(`    approval requests mirrored to ${env.approvalChannel}`);
  for (const line of freezeOf(env)) lines.push(`    ${line}`);
  return lines;
}

function serviceLine(name: string, service: CatalogService): string {
  const what = `${service.strategy} deploy of ${service.namespace}/${service.deployment}`;
  const container = `(container ${service.container}, ${service.image})`;
  const autoRollback = `auto-rollback ${service.autoRollback ? 'on' : 'off'}`;
  const backup = service.backupBefore ? `, backs up ${service.backupBefore} first` : '';
  const settings = `timeout ${formatDuration(service.timeout)}, ${autoRollback}${backup}`;
  return `  ${name}: ${what} ${container} to ${service.environments.join(', ')}; ${settings}`;
}

function databaseLine(name: string, database: CatalogDatabase): string {
  const where =
    database.engine === 'postgres'
      ? `pg_dump to ${database.dir}`
      : `${database.engine} ${database.identifier} in ${database.region}`;
  const verify = `verify ${database.verify.allowed ? 'allowed' : 'not allowed'}`;
  return `  ${name}: ${where} (${database.environment}), kept ${formatDuration(database.retention)}, ${verify}`;
}

function incidentChannelsLine(incidents: Incidents): string {
  const channels = [
    `broadcast ${incidents.broadcastChannel ?? '(none)'}`,
    `escalation ${incidents.escalationChannel ?? '(none)'}`,
    `on-call ${describePeople(incidents.oncall)}`,
    `archive after ${formatDuration(incidents.archiveAfter)}`,
  ];
  return `  ${channels.join(', ')}`;
}

function severityLine(severity: string, policy: SeverityPolicy): string {
  const updates = policy.updateEvery ? `, update every ${formatDuration(policy.updateEvery)}` : '';
  const responders = policy.responders.length ? `, responders ${describePeople(policy.responders)}` : '';
  return `  ${severity}: acknowledge within ${formatDuration(policy.ackWithin)}${updates}${responders}`;
}

// What a catalog allows, in plain words: the output of `npm run config:check`.
export function summarizeCatalog(catalog: Catalog): string {
  const lines: string[] = ['Environments:'];
  for (const [name, env] of Object.entries(catalog.environments)) lines.push(...environmentLines(name, env));
  lines.push('Services:');
  for (const [name, service] of Object.entries(catalog.services)) lines.push(serviceLine(name, service));
  lines.push('Databases:');
  for (const [name, database] of Object.entries(catalog.databases)) lines.push(databaseLine(name, database));
  lines.push('Roles:');
  for (const role of ROLE_NAMES) lines.push(`  ${role}: ${describePeople(catalog.roles[role] ?? [])}`);
  lines.push('Incidents:');
  lines.push(incidentChannelsLine(catalog.incidents));
  for (const [severity, policy] of Object.entries(catalog.incidents.severities))
    lines.push(severityLine(severity, policy));
  return lines.join('\n');
}
