import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { parseAllDocuments } from 'yaml';
import { parseCatalog } from '../../src/config/catalog-load.ts';
import { parseEnv } from '../../src/config/env.ts';

// deploy/ renders with `kubectl kustomize` (no cluster needed) and every object is checked against the
// Kubernetes OpenAPI schema that kubernetes-models compiles. The CI machine has kubectl (.ci/run runs on
// the development machine kind); without it this file says so and checks nothing rather than failing.
const ROOT = new URL('../../', import.meta.url).pathname;
const OVERLAYS = ['in-cluster', 'multi-cluster'] as const;

type Validator = { validate(): void };
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
type Container = {
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
};
type PodSpec = {
  terminationGracePeriodSeconds?: number;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  topologySpreadConstraints?: { topologyKey: string }[];
  containers: Container[];
  volumes?: { name: string; emptyDir?: object; secret?: { secretName: string } }[];
};
type Labels = Record<string, string>;
type DeploymentManifest = Manifest & {
  spec: { replicas: number; template: { metadata: { labels: Labels }; spec: PodSpec & { containers: Ported[] } } };
};
type Ported = { ports?: { name?: string; containerPort: number }[] };
type ServiceManifest = Manifest & {
  metadata: { labels?: Labels };
  spec: { clusterIP?: string; selector: Labels; ports: { name: string; targetPort: string | number }[] };
};
type ServiceMonitor = Manifest & { spec: { selector: { matchLabels: Labels }; endpoints: { port: string }[] } };

const MODELS: Record<string, new (data: never) => Validator> = {
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};
const RBAC = new Set(['Role', 'RoleBinding']);

function validate(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) throw new Error(`no schema mapped for ${manifest.apiVersion} ${manifest.kind}: add it to MODELS`);
  expect(() => new Model(manifest as never).validate()).not.toThrow();
}

function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const HAS_KUBECTL = kubectlAvailable();
if (!HAS_KUBECTL) console.warn('manifests.test.ts: kubectl is not on PATH, so deploy/ is not rendered or checked');

function render(overlay: string): Manifest[] {
  const text = execFileSync('kubectl', ['kustomize', `deploy/overlays/${overlay}`], { cwd: ROOT, encoding: 'utf8' });
  return parseAllDocuments(text).map((document) => document.toJS() as Manifest);
}

function deployments(manifests: Manifest[]): Map<string, DeploymentManifest> {
  const found = manifests.filter((manifest) => manifest.kind === 'Deployment') as DeploymentManifest[];
  return new Map(found.map((deployment) => [deployment.metadata.name, deployment]));
}

function envOf(container: Container, name: string): string | undefined {
  return container.env?.find((variable) => variable.name === name)?.value;
}

const SHUTDOWN_DEFAULT_MS = parseEnv({
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_APP_TOKEN: 'xapp-test',
}).SHUTDOWN_TIMEOUT_MS;

describe.each(HAS_KUBECTL ? OVERLAYS : [])('deploy/overlays/%s', (overlay) => {
  const manifests = render(overlay);

  it('renders only objects that validate against the Kubernetes OpenAPI schema', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(9);
    for (const manifest of manifests) {
      validate(manifest);
      // The generated Roles stay in the namespaces they grant (rbac-drift.test.ts checks their content).
      if (!RBAC.has(manifest.kind)) expect(manifest.metadata.namespace ?? 'ops-bot').toBe('ops-bot');
    }
  });

  it('runs the bot and the worker, two of each, spread across nodes, with probes', () => {
    const byName = deployments(manifests);
    expect([...byName.keys()].sort()).toEqual(['ops-bot-bot', 'ops-bot-worker']);
    for (const [name, role] of [
      ['ops-bot-bot', 'bot'],
      ['ops-bot-worker', 'worker'],
    ] as const) {
      const deployment = byName.get(name)!;
      const container = deployment.spec.template.spec.containers[0]!;
      expect(deployment.spec.replicas).toBe(2);
      expect(envOf(container, 'ROLE')).toBe(role);
      expect(deployment.spec.template.spec.topologySpreadConstraints?.[0]?.topologyKey).toBe('kubernetes.io/hostname');
      expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    }
    const budgets = manifests.filter((manifest) => manifest.kind === 'PodDisruptionBudget');
    expect(budgets.map((budget) => budget.metadata.name).sort()).toEqual(['ops-bot-bot', 'ops-bot-worker']);
  });

  it('runs non-root on a read-only root filesystem with limits and a grace period above the shutdown timeout', () => {
    for (const deployment of deployments(manifests).values()) {
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0]!;
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).not.toBe(0);
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      expect(pod.volumes?.find((volume) => volume.name === 'tmp')?.emptyDir).toBeDefined();
      expect(Object.keys(container.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      const shutdownMs = Number(envOf(container, 'SHUTDOWN_TIMEOUT_MS') ?? SHUTDOWN_DEFAULT_MS);
      expect(shutdownMs).toBeGreaterThanOrEqual(SHUTDOWN_DEFAULT_MS);
      expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(shutdownMs);
    }
  });

  it('takes secrets by reference only and ships a catalog the bot accepts', () => {
    expect(manifests.filter((manifest) => manifest.kind === 'Secret')).toEqual([]);
    const worker = deployments(manifests).get('ops-bot-worker')!.spec.template.spec.containers[0]!;
    const refs = (worker.env ?? []).flatMap((variable) => variable.valueFrom?.secretKeyRef ?? []);
    expect(refs.map((ref) => ref.key)).toEqual(
      expect.arrayContaining(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'DATABASE_URL', 'REDIS_URL']),
    );
    expect(worker.volumeMounts).toContainEqual({ name: 'backups', mountPath: '/var/backups' });
    const catalog = manifests.find((manifest) => manifest.kind === 'ConfigMap') as Manifest & {
      data: Record<string, string>;
    };
    const parsed = parseCatalog('catalog.yml', catalog.data['catalog.yml']!);
    const contexts = new Set(Object.values(parsed.environments).map((environment) => environment.context));
    if (overlay === 'in-cluster') expect([...contexts]).toEqual(['inClusterContext']);
    else expect(contexts.has('inClusterContext')).toBe(false);
  });
});

// Prometheus finds each role's pods through a Service (the ServiceMonitor example selects it by labels and
// names the job after it), so the job names the alerts select must be Services that reach those pods.
describe.each(HAS_KUBECTL ? OVERLAYS : [])('deploy/overlays/%s scraping', (overlay) => {
  const manifests = render(overlay);
  const services = manifests.filter((manifest) => manifest.kind === 'Service') as ServiceManifest[];
  const monitors = parseAllDocuments(readFileSync(`${ROOT}deploy/monitoring/servicemonitors.yaml`, 'utf8')).map(
    (document) => document.toJS() as ServiceMonitor,
  );
  const matches = (wanted: Labels, labels: Labels | undefined) =>
    Object.entries(wanted).every(([key, value]) => labels?.[key] === value);

  it("has a headless Service on the worker pods' metrics port, beside the bot's", () => {
    const worker = services.find((service) => service.metadata.name === 'ops-bot-worker')!;
    expect(worker.spec.clusterIP).toBe('None');
    const pods = deployments(manifests).get('ops-bot-worker')!.spec.template;
    expect(matches(worker.spec.selector, pods.metadata.labels)).toBe(true);
    const portNames = (pods.spec.containers[0]!.ports ?? []).map((port) => port.name);
    expect(worker.spec.ports.map((port) => port.targetPort)).toEqual(['http']);
    expect(portNames).toContain('http');
    const bot = deployments(manifests).get('ops-bot-bot')!.spec.template;
    expect(matches(worker.spec.selector, bot.metadata.labels)).toBe(false);
  });

  it('gives, through the example ServiceMonitors, the two job names alerts.yml selects', () => {
    const alerts = readFileSync(`${ROOT}deploy/monitoring/alerts.yml`, 'utf8');
    const jobs = [...new Set([...alerts.matchAll(/up\{job="([^"]+)"/g)].map((match) => match[1]!))].sort();
    expect(jobs).toEqual(['ops-bot', 'ops-bot-worker']);
    const scraped = monitors.map((monitor) => {
      expect(monitor.kind).toBe('ServiceMonitor');
      expect(monitor.metadata.namespace).toBe('ops-bot');
      const selected = services.filter((service) =>
        matches(monitor.spec.selector.matchLabels, service.metadata.labels),
      );
      expect(selected).toHaveLength(1);
      const ports = selected[0]!.spec.ports.map((port) => port.name);
      for (const endpoint of monitor.spec.endpoints) expect(ports).toContain(endpoint.port);
      return selected[0]!.metadata.name;
    });
    expect(scraped.sort()).toEqual(jobs);
  });
});

describe.each(HAS_KUBECTL ? ['in-cluster'] : [])('deploy/overlays/%s credentials', (overlay) => {
  it("binds the bot's ServiceAccount to a Role in each namespace its catalog deploys to, nothing cluster-wide", () => {
    const manifests = render(overlay);
    expect(manifests.filter((manifest) => manifest.kind.startsWith('Cluster'))).toEqual([]);
    const roles = manifests.filter((manifest) => manifest.kind === 'Role');
    expect(roles.map((role) => role.metadata.namespace).sort()).toEqual(['shop', 'shop-staging']);
    const bindings = manifests.filter((manifest) => manifest.kind === 'RoleBinding') as (Manifest & {
      subjects: unknown[];
      roleRef: { name: string };
    })[];
    expect(bindings.map((binding) => binding.metadata.namespace).sort()).toEqual(['shop', 'shop-staging']);
    for (const binding of bindings) {
      expect(binding.roleRef.name).toBe(roles[0]!.metadata.name);
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'ops-bot', namespace: 'ops-bot' }]);
    }
  });

  it('mounts the ServiceAccount token and sets no KUBECONFIG', () => {
    for (const deployment of deployments(render(overlay)).values()) {
      const pod = deployment.spec.template.spec;
      expect(pod.automountServiceAccountToken).toBe(true);
      expect(envOf(pod.containers[0]!, 'KUBECONFIG')).toBeUndefined();
    }
  });
});

describe.each(HAS_KUBECTL ? ['multi-cluster'] : [])('deploy/overlays/%s credentials', (overlay) => {
  it('reads the kubeconfig from the mounted Secret and mounts no ServiceAccount token', () => {
    const manifests = render(overlay);
    const account = manifests.find((manifest) => manifest.kind === 'ServiceAccount') as Manifest & {
      automountServiceAccountToken?: boolean;
    };
    expect(account.automountServiceAccountToken).toBe(false);
    for (const deployment of deployments(manifests).values()) {
      const pod = deployment.spec.template.spec;
      expect(pod.automountServiceAccountToken).toBeUndefined();
      expect(envOf(pod.containers[0]!, 'KUBECONFIG')).toBe('/etc/ops-bot/kube/config');
      expect(pod.volumes?.find((volume) => volume.name === 'kubeconfig')?.secret?.secretName).toBe(
        'ops-bot-kubeconfig',
      );
    }
  });
});

describe('deploy/rbac', () => {
  it('holds, per context of the example catalog, only Roles and RoleBindings that validate', () => {
    for (const file of ['staging.yaml', 'prod.yaml']) {
      const manifests = parseAllDocuments(readFileSync(`${ROOT}deploy/rbac/${file}`, 'utf8')).map(
        (document) => document.toJS() as Manifest,
      );
      expect(manifests.map((manifest) => manifest.kind)).toEqual(['Role', 'RoleBinding']);
      for (const manifest of manifests) validate(manifest);
    }
  });
});

describe('deploy/ catalogs', () => {
  const example = readFileSync(`${ROOT}config/catalog.example.yml`, 'utf8');

  it('are config/catalog.example.yml in the base', () => {
    expect(readFileSync(`${ROOT}deploy/base/catalog.yml`, 'utf8')).toBe(example);
  });

  // One cluster, two environments: each gets its own namespace, so a staging deploy cannot touch production.
  it("are the example's services in the in-cluster overlay, one namespace per environment", () => {
    const base = parseCatalog('example', example);
    const inCluster = parseCatalog('in-cluster', readFileSync(`${ROOT}deploy/overlays/in-cluster/catalog.yml`, 'utf8'));
    const { environments, services, ...rest } = inCluster;
    const { environments: baseEnvironments, services: baseServices, ...baseRest } = base;
    expect(rest).toEqual(baseRest);
    for (const [name, environment] of Object.entries(baseEnvironments)) {
      expect(environments[name]).toEqual({ ...environment, context: 'inClusterContext' });
    }
    const targets = Object.values(services).flatMap((service) =>
      service.environments.map((environment) => `${environment} ${service.namespace}/${service.deployment}`),
    );
    const wanted = Object.values(baseServices).flatMap((service) =>
      service.environments.map(
        (environment) => `${environment} ${environment === 'staging' ? 'shop-staging' : 'shop'}/${service.deployment}`,
      ),
    );
    expect(targets.sort()).toEqual(wanted.sort());
    // Everything else is the example's; a staging deploy backs nothing up first (backupBefore is production's).
    const settings = (service: (typeof services)[string]) => ({
      ...service,
      namespace: undefined,
      environments: undefined,
      backupBefore: undefined,
    });
    for (const [name, service] of Object.entries(services)) {
      const original = baseServices[name.replace(/-staging$/, '')]!;
      expect(settings(service)).toEqual(settings(original));
      expect(service.backupBefore).toBe(name.endsWith('-staging') ? undefined : original.backupBefore);
      expect(service.environments).toHaveLength(1);
    }
  });
});
