import type { PolicyRule } from '../../config/rbac/kube-role.ts';
import type { Target, Verb } from './routes.ts';
import { forbidden, type StatusBody } from './status.ts';

// Opt-in RBAC for the simulator: the Roles bound to the bot's identity, evaluated as the real API
// server's RBAC authorizer does (namespaced rules only, resourceNames matched against the request's
// name, which for list and watch is the metadata.name field selector). Allowed checks are recorded,
// so a test learns which rules a flow needed.
export type RoleGrant = { namespace: string; rules: PolicyRule[] };
export type Permission = { namespace: string; group: string; resource: string; verb: string };

export const permissionKey = (permission: Permission) =>
  `${permission.namespace}/${permission.group || 'core'}/${permission.resource}/${permission.verb}`;

// The name RBAC sees: the path's, or for a list or watch the exact metadata.name field selector's.
function requestName(target: Target, query: Record<string, string>): string | undefined {
  if (target.name) return target.name;
  const match = /(?:^|,)metadata\.name==?([^,]+)(?:,|$)/.exec(query.fieldSelector ?? '');
  return match?.[1];
}

function allows(rule: PolicyRule, verb: string, group: string, resource: string, name: string | undefined): boolean {
  const has = (list: string[], value: string) => list.includes(value) || list.includes('*');
  if (!has(rule.apiGroups, group) || !has(rule.resources, resource) || !has(rule.verbs, verb)) return false;
  if (!rule.resourceNames || rule.resourceNames.length === 0) return true;
  return name !== undefined && rule.resourceNames.includes(name);
}

export class RbacAuthorizer {
  readonly user: string;
  // Every permission a request was allowed by, in first-use order.
  readonly used = new Map<string, Permission>();
  readonly denied: Permission[] = [];
  readonly #grants: RoleGrant[];

  constructor(grants: RoleGrant[], user: string) {
    this.#grants = grants;
    this.user = user;
  }

  // undefined when allowed; else the 403 Status the API server answers.
  refusal(verb: Verb, target: Target, query: Record<string, string>): StatusBody | undefined {
    const { group } = target.resource;
    const name = requestName(target, query);
    const permission = { namespace: target.namespace, group, resource: target.plural, verb };
    const allowed = this.#grants.some(
      (grant) =>
        grant.namespace === target.namespace &&
        grant.rules.some((rule) => allows(rule, verb, group, target.plural, name)),
    );
    if (allowed) {
      this.used.set(permissionKey(permission), permission);
      return undefined;
    }
    this.denied.push(permission);
    return forbidden(verb, target.plural, group, target.namespace, target.name, this.user);
  }
}

// The user name the API server gives a ServiceAccount's token.
export const serviceAccountUser = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;
