import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ValidatingAdmissionPolicy } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy';
import { ValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding';
import { StorageClass } from 'kubernetes-models/storage.k8s.io/v1/StorageClass';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parseAllDocuments, stringify } from 'yaml';

// The YAML a newcomer copies from docs/operations.md works: the objects validate against the Kubernetes
// OpenAPI schema, and the overlay and patches of "Install on a cluster" render over this repository's
// multi-cluster overlay with `kubectl kustomize` and do what the text says.
const ROOT = new URL('../../', import.meta.url).pathname;
const DOC = readFileSync(`${ROOT}docs/operations.md`, 'utf8');

type Objectish = { kind?: string; patches?: unknown[]; [key: string]: unknown };
type Rendered = {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
};
type PodTemplate = { template: { spec: { containers: { env: unknown[] }[] } } };

// Each ```yaml block, its list indentation taken off, as the documents it holds.
function yamlBlocks(): Objectish[] {
  return [...DOC.matchAll(/^( *)```yaml\n([\s\S]*?)^ *```/gm)].flatMap((match) => {
    const indent = match[1]!.length;
    const text = match[2]!
      .split('\n')
      .map((line) => line.slice(indent))
      .join('\n');
    return parseAllDocuments(text).map((document) => {
      expect(document.errors).toEqual([]);
      return document.toJS() as Objectish;
    });
  });
}

function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  StorageClass,
  Deployment,
  PersistentVolumeClaim,
  ServiceAccount,
};

describe('docs/operations.md examples', () => {
  const blocks = yamlBlocks();

  it('has objects that validate against the Kubernetes OpenAPI schema', () => {
    const objects = blocks.filter((block) => block.kind && block.kind !== 'Kustomization');
    expect(objects.map((object) => object.kind).sort()).toEqual([
      'StorageClass',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ]);
    for (const object of objects) expect(() => new MODELS[object.kind!]!(object as never).validate()).not.toThrow();
  });

  const dir = mkdtempSync(join(tmpdir(), 'opsbot-overlay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  (kubectlAvailable() ? it : it.skip)('renders your overlay with every patch the install steps show', () => {
    const overlay = blocks.find((block) => block.kind === 'Kustomization')!;
    const patches = blocks.flatMap((block) => (block.kind === undefined ? (block.patches ?? []) : []));
    const base = relative(dir, `${ROOT}deploy/overlays/multi-cluster`);
    writeFileSync(join(dir, 'kustomization.yaml'), stringify({ ...overlay, resources: [base], patches }));
    copyFileSync(`${ROOT}config/catalog.example.yml`, join(dir, 'catalog.yml'));
    const text = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    const rendered = parseAllDocuments(text).map((document) => document.toJS() as Rendered);
    for (const object of rendered) {
      const Model = MODELS[object.kind];
      if (Model) expect(() => new Model(object as never).validate()).not.toThrow();
    }
    const named = (kind: string, name: string) =>
      rendered.find((object) => object.kind === kind && object.metadata.name === name);
    expect(named('ServiceAccount', 'ops-bot')).toMatchObject({
      metadata: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::<account>:role/ops-bot' } },
    });
    expect(named('PersistentVolumeClaim', 'ops-bot-backups')).toMatchObject({
      spec: { storageClassName: 'efs-ops-bot', accessModes: ['ReadWriteOnce'] },
    });
    expect(named('Deployment', 'ops-bot-worker')).toMatchObject({
      spec: { replicas: 1, strategy: { type: 'Recreate' } },
    });
    expect(named('PodDisruptionBudget', 'ops-bot-worker')).toBeUndefined();
    expect(named('PodDisruptionBudget', 'ops-bot-bot')).toBeDefined();
    for (const role of ['ops-bot-bot', 'ops-bot-worker']) {
      const spec = named('Deployment', role)!.spec as PodTemplate;
      expect(spec.template.spec.containers[0]!.env).toContainEqual({
        name: 'ORDERS_VERIFY_URL',
        valueFrom: { secretKeyRef: { name: 'ops-bot', key: 'ORDERS_VERIFY_URL' } },
      });
    }
    const catalog = rendered.find((object) => object.kind === 'ConfigMap')!;
    expect(catalog.data?.['catalog.yml']).toBe(readFileSync(`${ROOT}config/catalog.example.yml`, 'utf8'));
  });
});
