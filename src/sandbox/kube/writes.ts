import type { DeploymentController } from './controller.ts';
import { PatchError, jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';
import type { ApiCall } from './routes.ts';
import { alreadyExists, conflict, invalid, notFound, status, unsupportedMediaType } from './status.ts';
import type { KubeObject, ObjectStore } from './store.ts';
import { validate } from './validation.ts';

// POST and PATCH as the API server answers them: the checks in its order, then the write (or not,
// for a dry run), then the controller told that a Deployment changed.
export type Cluster = { store: ObjectStore; controller: DeploymentController };

const PATCH_TYPES = [
  'application/strategic-merge-patch+json',
  'application/merge-patch+json',
  'application/json-patch+json',
];

export function createObject(cluster: Cluster, call: ApiCall): void {
  const { resource, plural, namespace, body, reply } = call;
  const object = body as KubeObject;
  const objectName = object?.metadata?.name;
  if (!objectName)
    return reply(422, status(422, 'Invalid', `${resource.kind} is invalid: metadata.name: Required value`), body);
  if (cluster.store.get(resource.kind, namespace, objectName))
    return reply(409, alreadyExists(plural, resource.group, objectName), body);
  const problem = validate(resource.kind, object);
  if (problem) return reply(422, invalid(resource.kind, resource.group, objectName, problem), body);
  if (call.query.dryRun === 'All') return reply(201, object, body);
  const created = cluster.store.create({
    ...object,
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    metadata: { ...object.metadata, namespace, generation: 1 },
    status: {},
  });
  if (resource.kind === 'Deployment') cluster.controller.deploymentChanged(namespace, objectName);
  return reply(201, created, body);
}

export function patchObject(cluster: Cluster, call: ApiCall, existing: KubeObject | undefined): void {
  const { resource, plural, namespace, name, body, reply } = call;
  if (!existing) return reply(404, notFound(plural, resource.group, name ?? ''), body);
  const contentType = (call.contentType ?? '').split(';')[0]!.trim();
  if (!PATCH_TYPES.includes(contentType)) return reply(415, unsupportedMediaType(PATCH_TYPES), body);
  const patched = applyPatch(contentType, existing, body);
  if (patched instanceof PatchError)
    return reply(422, status(422, 'Invalid', `the patch could not be applied: ${patched.message}`), body);
  const wanted = (body as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
  if (wanted && wanted !== existing.metadata.resourceVersion)
    return reply(409, conflict(plural, resource.group, name), body);
  keepIdentity(patched, existing, namespace);
  const problem = validate(resource.kind, patched);
  if (problem) return reply(422, invalid(resource.kind, resource.group, name ?? '', problem), body);
  if (JSON.stringify(patched.spec) !== JSON.stringify(existing.spec) && existing.metadata.generation !== undefined)
    patched.metadata.generation = existing.metadata.generation + 1;
  if (call.query.dryRun === 'All') return reply(200, patched, body);
  const stored = cluster.store.update(patched);
  if (resource.kind === 'Deployment') cluster.controller.deploymentChanged(namespace, name!);
  return reply(200, stored, body);
}

function applyPatch(contentType: string, existing: KubeObject, body: unknown): KubeObject | PatchError {
  try {
    if (contentType === 'application/json-patch+json') return jsonPatch(existing, body as never) as KubeObject;
    if (contentType === 'application/merge-patch+json') return mergePatch(existing, body) as KubeObject;
    return strategicMergePatch(existing, body) as KubeObject;
  } catch (error) {
    if (error instanceof PatchError) return error;
    throw error;
  }
}

// A patch cannot rename, move or re-identify an object, nor set its resourceVersion.
function keepIdentity(patched: KubeObject, existing: KubeObject, namespace: string): void {
  patched.metadata = {
    ...patched.metadata,
    name: existing.metadata.name,
    namespace,
    uid: existing.metadata.uid,
    resourceVersion: existing.metadata.resourceVersion,
  };
}
