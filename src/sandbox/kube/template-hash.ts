import { createHash } from 'node:crypto';

export type Template = {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers?: { name: string; image: string }[] };
};

export const HASH = 'pod-template-hash';

// Empty fields count as absent, as in the API server's typed objects: kubectl's `rollout undo` sends a
// ReplicaSet's template back with `creationTimestamp: null` and `resources: {}`, and it must match again.
const isEmpty = (value: unknown) =>
  value === null ||
  value === undefined ||
  (Array.isArray(value) ? value.length === 0 : typeof value === 'object' && Object.keys(value).length === 0);

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((key) => !isEmpty((value as Record<string, unknown>)[key]))
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

// The pod-template-hash the real controller derives from a template (its own label left out).
export function templateHash(template: Template): string {
  const labels = { ...template.metadata?.labels };
  delete labels[HASH];
  return createHash('sha256')
    .update(canonical({ ...template, metadata: { ...template.metadata, labels } }))
    .digest('hex')
    .slice(0, 10);
}
