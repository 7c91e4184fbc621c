import type { KubeObject } from './store.ts';

// What a request path names, and which verb the method (and the query) make of it.
export type Resource = { kind: string; apiVersion: string; group: string };
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'patch' | 'update' | 'delete' | 'unknown';
export type Target = { resource: Resource; plural: string; namespace: string; name: string | undefined };
export type Reply = (code: number, body: unknown, recorded?: unknown) => void;
// One API call once its path, verb and body are known; `reply` answers it and records it.
export type ApiCall = Target & {
  query: Record<string, string>;
  contentType: string | undefined;
  body: unknown;
  reply: Reply;
};

const RESOURCES: Record<string, Resource> = {
  deployments: { kind: 'Deployment', apiVersion: 'apps/v1', group: 'apps' },
  replicasets: { kind: 'ReplicaSet', apiVersion: 'apps/v1', group: 'apps' },
  pods: { kind: 'Pod', apiVersion: 'v1', group: '' },
  services: { kind: 'Service', apiVersion: 'v1', group: '' },
  events: { kind: 'Event', apiVersion: 'v1', group: '' },
};
const PATH = /^\/(?:apis\/apps\/v1|api\/v1)\/namespaces\/([a-z0-9-]+)\/([a-z]+)(?:\/([a-z0-9.-]+))?$/;
const WRITES: Record<string, Verb> = { POST: 'create', PATCH: 'patch', PUT: 'update', DELETE: 'delete' };

export function targetOf(pathname: string): Target | undefined {
  const match = PATH.exec(pathname);
  const resource = match ? RESOURCES[match[2]!] : undefined;
  if (!match || !resource) return undefined;
  const [, namespace, plural, name] = match as unknown as [string, string, string, string | undefined];
  return { resource, plural, namespace, name };
}

export function verbOf(method: string | undefined, name: string | undefined, query: Record<string, string>): Verb {
  if (method !== 'GET') return WRITES[method ?? ''] ?? 'unknown';
  if (name) return 'get';
  return query.watch === 'true' ? 'watch' : 'list';
}

export type DenyRule = { verb: string; resource: string; namespace?: string; name?: string };

export function isDenied(rules: DenyRule[], verb: Verb, target: Target): boolean {
  return rules.some(
    (rule) =>
      rule.verb === verb &&
      rule.resource === target.plural &&
      (!rule.namespace || rule.namespace === target.namespace) &&
      (!rule.name || rule.name === target.name),
  );
}

export function listOf(resource: Resource, items: KubeObject[], revision: number) {
  return {
    apiVersion: resource.apiVersion,
    kind: `${resource.kind}List`,
    metadata: { resourceVersion: String(revision) },
    items,
  };
}
