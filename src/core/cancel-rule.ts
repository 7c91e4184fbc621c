import type { Identity } from './people.ts';
import { holdsRole, type RoleName, type Roles } from './roles.ts';

// Who may cancel a job, stated once: /ops whoami, /ops help, the README and the refusal all quote
// CANCEL_RULE, and mayCancel is the only place that decides it (issue 12: "one rule").
export const CANCEL_RULE =
  'A change can be cancelled by whoever asked for it, by anyone holding the role that change needs ' +
  '(`deploy` for a deploy, `rollback` for a rollback, `restore` for a restore), and by admins. ' +
  'Cancelling a running deploy or rollback puts back the revision it started from; ' +
  '`/ops cancel <job> --leave` stops following and leaves the cluster as it is.';

export type ChangeKind = 'deploy' | 'rollback' | 'restore';

export const CANCEL_ROLE: Record<ChangeKind, RoleName> = { deploy: 'deploy', rollback: 'rollback', restore: 'restore' };

export function mayCancel(identity: Identity, requester: string | undefined, roles: Roles, kind: ChangeKind): boolean {
  if (identity.userId === requester) return true;
  if (holdsRole(identity, roles, CANCEL_ROLE[kind])) return true;
  return holdsRole(identity, roles, 'admin');
}
