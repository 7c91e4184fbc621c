import { isAmong, type Identity, type Person } from './people.ts';

// The catalog's `roles` keys: who may ask for what. A role the catalog leaves out is held by nobody.
export const ROLE_NAMES = ['deploy', 'rollback', 'backup', 'restore', 'incident', 'incidentAdmin', 'admin'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];
export type Roles = Partial<Record<RoleName, Person[]>>;

export function holdsRole(identity: Identity, roles: Roles, role: RoleName): boolean {
  return isAmong(identity, roles[role] ?? []);
}

export function rolesHeld(identity: Identity, roles: Roles): RoleName[] {
  return ROLE_NAMES.filter((role) => holdsRole(identity, roles, role));
}
