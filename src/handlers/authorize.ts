import { catalogHandles } from '../core/permissions.ts';
import { describePeople, type Identity } from '../core/people.ts';
import { holdsRole, type RoleName } from '../core/roles.ts';
import { UserError } from '../core/user-error.ts';
import type { HandlerDeps } from './deps.ts';

const ROLE_WORDS: Record<RoleName, string> = {
  deploy: 'deploy',
  rollback: 'roll back',
  backup: 'take backups',
  restore: 'restore backups',
  incident: 'declare incidents',
  incidentAdmin: 'run incidents',
  admin: 'administer ops-bot',
};

export async function identify(deps: HandlerDeps, userId: string): Promise<Identity> {
  return deps.directory.identify(userId, catalogHandles(deps.catalog));
}

const WHOAMI_HINT = '`/ops whoami` shows your groups and roles.';

// Default deny: a role the catalog does not give you is refused, naming the role and who holds it.
export async function requireRole(deps: HandlerDeps, userId: string, role: RoleName): Promise<Identity> {
  const identity = await identify(deps, userId);
  if (holdsRole(identity, deps.catalog.roles, role)) return identity;
  const holders = describePeople(deps.catalog.roles[role] ?? []);
  throw new UserError(
    `You may not ${ROLE_WORDS[role]}: that needs the \`${role}\` role, which the catalog gives to ${holders}.`,
    { hint: WHOAMI_HINT, code: 'forbidden_role' },
  );
}

// For actions two roles' descriptions both name (deleting expired backups: the `backup` role by the
// backups issue, `admin` by the catalog's comment "retention deletes"): holding either is enough.
export async function requireEitherRole(
  deps: HandlerDeps,
  userId: string,
  roles: [RoleName, RoleName],
): Promise<Identity> {
  const identity = await identify(deps, userId);
  if (roles.some((role) => holdsRole(identity, deps.catalog.roles, role))) return identity;
  const holders = roles.map((role) => `\`${role}\` (${describePeople(deps.catalog.roles[role] ?? [])})`).join(' or ');
  throw new UserError(`You may not do this: it needs the role ${holders}.`, {
    hint: WHOAMI_HINT,
    code: 'forbidden_role',
  });
}
