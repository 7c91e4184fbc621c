// The three patch types the Kubernetes API accepts for Deployments, Services and the like.
type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (value: Json): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const clone = <T>(value: T): T => structuredClone(value);

// RFC 7386: objects merge recursively, null deletes, anything else (arrays included) replaces.
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

// The lists Kubernetes merges by a key in strategic merge patch (from the API's patchMergeKey tags).
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  ports: 'containerPort',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  conditions: 'type',
  tolerations: 'key',
};

// Strategic merge patch, the subset ops-bot and kubectl use: like merge patch, but lists with a merge
// key merge element by element, and {"$patch": "delete"} removes an element.
export function strategicMergePatch(target: Json, patch: Json, field = ''): Json {
  if (Array.isArray(patch) && MERGE_KEYS[field] && Array.isArray(target)) {
    const key = MERGE_KEYS[field];
    const result = clone(target) as JsonObject[];
    for (const item of patch as JsonObject[]) {
      const index = result.findIndex((existing) => existing[key] === item[key]);
      if (item.$patch === 'delete') {
        if (index >= 0) result.splice(index, 1);
      } else if (index >= 0) result[index] = strategicMergePatch(result[index], item) as JsonObject;
      else result.push(clone(item));
    }
    return result;
  }
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return clone(rest);
  }
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = strategicMergePatch(result[key], value, key);
  }
  return result;
}

export class PatchError extends Error {}

type Operation = { op: string; path: string; value?: Json };

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(document: Json, parts: string[]): { parent: JsonObject | Json[]; key: string } {
  let node = document;
  for (const part of parts.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(part)] : isObject(node) ? node[part] : undefined;
    if (node === undefined) throw new PatchError(`path /${parts.join('/')} does not exist`);
  }
  if (!Array.isArray(node) && !isObject(node)) throw new PatchError(`path /${parts.join('/')} does not exist`);
  return { parent: node, key: parts.at(-1)! };
}

function get(document: Json, parts: string[]): Json {
  let node = document;
  for (const part of parts) {
    node = Array.isArray(node) ? node[Number(part)] : isObject(node) ? node[part] : undefined;
    if (node === undefined) throw new PatchError(`path /${parts.join('/')} does not exist`);
  }
  return node;
}

// RFC 6902: add, remove, replace and test. A failed test fails the whole patch.
export function jsonPatch(target: Json, operations: Operation[]): Json {
  let document = clone(target);
  for (const operation of operations) {
    const parts = pointer(operation.path);
    if (operation.op === 'test') {
      if (JSON.stringify(get(document, parts)) !== JSON.stringify(operation.value))
        throw new PatchError(`test operation failed at ${operation.path}`);
      continue;
    }
    if (parts.length === 0) {
      if (operation.op === 'replace' || operation.op === 'add') document = clone(operation.value);
      else throw new PatchError(`cannot ${operation.op} the whole document`);
      continue;
    }
    if (!['add', 'remove', 'replace'].includes(operation.op))
      throw new PatchError(`unsupported operation "${operation.op}"`);
    const value = clone(operation.value);
    const { parent, key } = parentOf(document, parts);
    if (Array.isArray(parent)) {
      const index = key === '-' ? parent.length : Number(key);
      if (operation.op === 'remove') parent.splice(index, 1);
      else if (operation.op === 'replace') parent[index] = value;
      else parent.splice(index, 0, value);
    } else if (operation.op === 'remove') {
      if (!(key in parent)) throw new PatchError(`path ${operation.path} does not exist`);
      delete parent[key];
    } else {
      if (operation.op === 'replace' && !(key in parent)) throw new PatchError(`path ${operation.path} does not exist`);
      parent[key] = value;
    }
  }
  return document;
}
