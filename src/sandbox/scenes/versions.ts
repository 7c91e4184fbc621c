import type { SceneWorld } from './types.ts';

// The version after the highest one these Deployments run (1.4.1 → 1.4.2), so a scene played again
// deploys something new. A tag that is not x.y.z (1.4.2-crash) counts by its numbers.
export function nextVersion(world: SceneWorld, context: string, namespace: string, deployments: string[]): string {
  const versions = deployments
    .map((name) => world.image(context, namespace, name))
    .map((image) => /:(\d+)\.(\d+)\.(\d+)/.exec(image ?? ''))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [Number(match[1]), Number(match[2]), Number(match[3])] as const);
  if (versions.length === 0) throw new Error(`${deployments.join(', ')} in ${context} run no x.y.z image`);
  const [major, minor, patch] = versions.sort((a, b) => b[0] - a[0] || b[1] - a[1] || b[2] - a[2])[0]!;
  return `${major}.${minor}.${patch + 1}`;
}
