import type { FreezeWindow } from '../../core/catalog.ts';
import type { KubeSimulator } from '../kube/simulator.ts';
import type { SlackSimulator } from '../slack/simulator.ts';
import { SCENES } from './catalog.ts';
import { SceneRunner } from './runner.ts';
import type { SceneWorld } from './types.ts';

type PodSpec = { template?: { spec?: { containers?: { image?: string }[] } } };

// The runner for a simulator and its clusters (by kubeconfig context), reachable at /_sim/scenes.
// `freeze`: production's freeze windows, which a scene changing production steps out of.
export function playScenes(
  sim: SlackSimulator,
  clusters: Record<string, KubeSimulator>,
  freeze: FreezeWindow[],
): SceneRunner {
  const world: SceneWorld = {
    image: (context, namespace, name) =>
      (clusters[context]?.deployment(namespace, name)?.spec as PodSpec | undefined)?.template?.spec?.containers?.[0]
        ?.image,
  };
  const runner = new SceneRunner(sim, world, SCENES, freeze);
  sim.scenes = runner;
  return runner;
}
