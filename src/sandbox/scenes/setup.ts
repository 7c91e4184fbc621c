import type { KubeSimulator } from '../kube/simulator.ts';
import type { SlackSimulator } from '../slack/simulator.ts';
import { SCENES } from './catalog.ts';
import { SceneRunner } from './runner.ts';
import type { SceneWorld } from './types.ts';

type PodSpec = { template?: { spec?: { containers?: { image?: string }[] } } };

// The runner for a simulator and its clusters (by kubeconfig context), reachable at /_sim/scenes.
export function playScenes(sim: SlackSimulator, clusters: Record<string, KubeSimulator>): SceneRunner {
  const world: SceneWorld = {
    image: (context, namespace, name) =>
      (clusters[context]?.deployment(namespace, name)?.spec as PodSpec | undefined)?.template?.spec?.containers?.[0]
        ?.image,
  };
  const runner = new SceneRunner(sim, world, SCENES);
  sim.scenes = runner;
  return runner;
}
