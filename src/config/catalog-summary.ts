import { formatDuration } from '../core/duration.ts';
import { describePeople } from '../core/people.ts';
import { ROLE_NAMES } from '../core/roles.ts';
import type { Catalog, CatalogEnvironment } from '../core/catalog.ts';

function policyOf(env: CatalogEnvironment): string {
  if (env.approval === 'none') return 'no approval';
  return `${env.approval.required} of ${describePeople(env.approval.approvers)}, not the requester, expires after ${formatDuration(env.approval.expires)}`;
}

function freezeOf(env: CatalogEnvironment): string[] {
  return env.freeze.map((window) =>
    'days' in window
      ? `freeze "${window.name}": ${window.days.join(',')} ${window.from}→${window.to} ${window.tz}`
      : `freeze "${window.name}": ${window.start} … ${window.end} ${window.tz}`,
  );
}

// What a catalog allows, in plain words: the output of `npm run config:check`.
export function summarizeCatalog(catalog: Catalog): string {
  const lines: string[] = ['Environments:'];
  for (const [name, env] of Object.entries(catalog.environments)) {
    lines.push(`  ${name} (context ${env.context}): ${policyOf(env)}`);
    if (env.rollbackApproval)
      lines.push(
        `    rollbacks: ${env.rollbackApproval === 'none' ? 'no approval' : `${env.rollbackApproval.required} of ${describePeople(env.rollbackApproval.approvers)}`}`,
      );
    if (env.breakGlass)
      lines.push(`    break-glass: +${env.breakGlass.required} of ${describePeople(env.breakGlass.approvers)}`);
    if (env.approvalChannel) lines.push(`    approval requests mirrored to ${env.approvalChannel}`);
    for (const line of freezeOf(env)) lines.push(`    ${line}`);
  }
  lines.push('Services:');
  for (const [name, service] of Object.entries(catalog.services)) {
    lines.push(
      `  ${name}: ${service.strategy} deploy of ${service.namespace}/${service.deployment} (container ${service.container}, ${service.image}) to ${service.environments.join(', ')}; timeout ${formatDuration(service.timeout)}, auto-rollback ${service.autoRollback ? 'on' : 'off'}${service.backupBefore ? `, backs up ${service.backupBefore} first` : ''}`,
    );
  }
  lines.push('Databases:');
  for (const [name, database] of Object.entries(catalog.databases)) {
    const where =
      database.engine === 'postgres'
        ? `pg_dump to ${database.dir}`
        : `${database.engine} ${database.identifier} in ${database.region}`;
    lines.push(
      `  ${name}: ${where} (${database.environment}), kept ${formatDuration(database.retention)}, verify ${database.verify.allowed ? 'allowed' : 'not allowed'}`,
    );
  }
  lines.push('Roles:');
  for (const role of ROLE_NAMES) lines.push(`  ${role}: ${describePeople(catalog.roles[role] ?? [])}`);
  const incidents = catalog.incidents;
  lines.push('Incidents:');
  lines.push(
    `  broadcast ${incidents.broadcastChannel ?? '(none)'}, escalation ${incidents.escalationChannel ?? '(none)'}, on-call ${describePeople(incidents.oncall)}, archive after ${formatDuration(incidents.archiveAfter)}`,
  );
  for (const [severity, policy] of Object.entries(incidents.severities)) {
    lines.push(
      `  ${severity}: acknowledge within ${formatDuration(policy.ackWithin)}${policy.updateEvery ? `, update every ${formatDuration(policy.updateEvery)}` : ''}${policy.responders.length ? `, responders ${describePeople(policy.responders)}` : ''}`,
    );
  }
  return lines.join('\n');
}
