import type { Catalog } from './catalog.ts';
import { groupHandles, isAmong, type Identity, type Person } from './people.ts';
import { ROLE_NAMES, holdsRole, type RoleName } from './roles.ts';

export type Permissions = {
  roles: RoleName[];
  lacking: { role: RoleName; heldBy: Person[] }[];
  approves: string[];
  approvesRollbacks: string[];
  breaksGlass: string[];
};

// Every user-group handle the catalog mentions: what has to be resolved to know who someone is.
export function catalogHandles(catalog: Catalog): string[] {
  const people: Person[] = [];
  for (const role of ROLE_NAMES) people.push(...(catalog.roles[role] ?? []));
  for (const env of Object.values(catalog.environments)) {
    if (env.approval !== 'none') people.push(...env.approval.approvers);
    if (env.rollbackApproval && env.rollbackApproval !== 'none') people.push(...env.rollbackApproval.approvers);
    if (env.breakGlass) people.push(...env.breakGlass.approvers);
  }
  people.push(...catalog.incidents.oncall);
  for (const severity of Object.values(catalog.incidents.severities))
    people.push(...severity.responders, ...severity.escalateTo);
  return [...new Set(groupHandles(people))].sort();
}

export function permissionsOf(identity: Identity, catalog: Catalog): Permissions {
  const envs = Object.entries(catalog.environments);
  return {
    roles: ROLE_NAMES.filter((role) => holdsRole(identity, catalog.roles, role)),
    lacking: ROLE_NAMES.filter((role) => !holdsRole(identity, catalog.roles, role)).map((role) => ({
      role,
      heldBy: catalog.roles[role] ?? [],
    })),
    approves: envs
      .filter(([, env]) => env.approval !== 'none' && isAmong(identity, env.approval.approvers))
      .map(([name]) => name),
    approvesRollbacks: envs
      .filter(
        ([, env]) =>
          env.rollbackApproval !== undefined &&
          env.rollbackApproval !== 'none' &&
          isAmong(identity, env.rollbackApproval.approvers),
      )
      .map(([name]) => name),
    breaksGlass: envs
      .filter(([, env]) => env.breakGlass !== undefined && isAmong(identity, env.breakGlass.approvers))
      .map(([name]) => name),
  };
}
