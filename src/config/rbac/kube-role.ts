import type { Catalog, CatalogService } from '../../core/catalog.ts';
import { serviceDeployments } from '../../core/lookups.ts';

// What ops-bot's code asks of the Kubernetes API (src/adapters/kube.ts, kube-pods.ts), per namespace:
// every rule here is a call some job or handler makes, and nothing else. See docs/decisions/0026.
export type PolicyRule = {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
};
export type Subject =
  { kind: 'ServiceAccount'; name: string; namespace: string } | { kind: 'User' | 'Group'; name: string };
export type NamespaceRules = { namespace: string; rules: PolicyRule[] };

// The Deployments a service's code reads, patches and watches, by strategy. The catalog's own
// `deployment` is always there: readiness and /deploy history read it even for blue-green.
const deploymentsOf = serviceDeployments;

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

// The rules for the services of one namespace. get/patch/delete and a watch with a metadata.name field
// selector (what watchDeployment sends) can be limited to names; list and create cannot (real RBAC).
export function rulesFor(services: CatalogService[]): PolicyRule[] {
  const bluegreen = services.filter((service) => service.strategy === 'bluegreen');
  const canary = services.filter((service) => service.strategy === 'canary');
  const rules: PolicyRule[] = [
    {
      apiGroups: ['apps'],
      resources: ['deployments'],
      verbs: ['get', 'patch', 'watch'],
      resourceNames: sorted(services.flatMap(deploymentsOf)),
    },
  ];
  // The idle colour of a first blue-green deploy and every canary are new Deployments.
  if (bluegreen.length + canary.length > 0)
    rules.push({ apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] });
  // A canary that succeeded is removed; nothing else is ever deleted.
  if (canary.length > 0)
    rules.push({
      apiGroups: ['apps'],
      resources: ['deployments'],
      verbs: ['delete'],
      resourceNames: sorted(canary.map((service) => `${service.deployment}-canary`)),
    });
  rules.push(
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    { apiGroups: [''], resources: ['events'], verbs: ['list'] },
    // /ops logs. resourceNames cannot narrow it: pod names are generated (a ReplicaSet's hash and a
    // random suffix), so no catalog knows them; the handler only asks for pods the service owns.
    { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  );
  if (bluegreen.length > 0)
    rules.push({
      apiGroups: [''],
      resources: ['services'],
      verbs: ['get', 'patch'],
      resourceNames: sorted(bluegreen.map((service) => service.service ?? service.deployment)),
    });
  return rules;
}

// Per kubeconfig context, the namespaces the catalog deploys to there and their rules.
export function rulesByContext(catalog: Catalog): Map<string, NamespaceRules[]> {
  const byContext = new Map<string, Map<string, CatalogService[]>>();
  for (const environment of Object.values(catalog.environments))
    if (!byContext.has(environment.context)) byContext.set(environment.context, new Map());
  for (const service of Object.values(catalog.services)) {
    for (const env of service.environments) {
      const namespaces = byContext.get(catalog.environments[env]!.context)!;
      const list = namespaces.get(service.namespace) ?? [];
      if (!list.includes(service)) list.push(service);
      namespaces.set(service.namespace, list);
    }
  }
  return new Map(
    [...byContext].map(([context, namespaces]) => [
      context,
      [...namespaces]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([namespace, services]) => ({ namespace, rules: rulesFor(services) })),
    ]),
  );
}
