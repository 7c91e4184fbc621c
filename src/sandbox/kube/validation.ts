import type { KubeObject } from './store.ts';

type DeploymentSpec = {
  replicas?: unknown;
  template?: { spec?: { containers?: { name?: unknown; image?: unknown }[] } };
};

// The field errors the API server reports for a Deployment it refuses; other kinds pass as they are.
export function validate(kind: string, object: KubeObject): string | undefined {
  if (kind !== 'Deployment') return undefined;
  const spec = object.spec as DeploymentSpec | undefined;
  const containers = spec?.template?.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) return 'spec.template.spec.containers: Required value';
  for (const [index, container] of containers.entries()) {
    if (typeof container.name !== 'string' || container.name === '')
      return `spec.template.spec.containers[${index}].name: Required value`;
    if (typeof container.image !== 'string' || container.image === '')
      return `spec.template.spec.containers[${index}].image: Required value`;
  }
  if (spec?.replicas !== undefined && (typeof spec.replicas !== 'number' || spec.replicas < 0))
    return 'spec.replicas: Invalid value: must be greater than or equal to 0';
  return undefined;
}
