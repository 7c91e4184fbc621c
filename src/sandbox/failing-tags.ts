import type { FailureMode } from './kube/controller.ts';
import type { KubeSimulator } from './kube/simulator.ts';

// Image tags that fail on purpose in the sandbox's clusters, by suffix: `/deploy checkout 1.4.5-broken`
// shows what a missing image looks like. Listed in the README and in `/ops help deploy`.
export const FAILING_TAGS: { suffix: string; mode: FailureMode; what: string }[] = [
  {
    suffix: '-broken',
    mode: 'ImagePullBackOff',
    what: 'the image does not exist (ErrImagePull, then ImagePullBackOff): fails at once',
  },
  {
    suffix: '-crash',
    mode: 'CrashLoopBackOff',
    what: 'the process exits at start (CrashLoopBackOff): fails after 2 restarts',
  },
  { suffix: '-nosecret', mode: 'CreateContainerConfigError', what: 'a Secret is missing (CreateContainerConfigError)' },
  { suffix: '-noentry', mode: 'ContainerCannotRun', what: 'the entrypoint is missing (ContainerCannotRun)' },
  { suffix: '-huge', mode: 'Unschedulable', what: 'no node has room (Unschedulable): fails after 60 s' },
  { suffix: '-unready', mode: 'NeverReady', what: 'readiness probe keeps failing: fails at the progress deadline' },
  {
    suffix: '-slowpull',
    mode: 'ImagePullTimeout',
    what: 'the registry times out: shown, not doomed; fails at the deadline',
  },
  { suffix: '-flaky', mode: 'RestartOnce', what: 'restarts once, then becomes ready: succeeds' },
];

export function failTaggedImages(cluster: KubeSimulator): void {
  for (const tag of FAILING_TAGS) cluster.failImage(new RegExp(`${tag.suffix}$`), tag.mode);
}

export function failingTagsHelp(): string {
  const lines = FAILING_TAGS.map((tag) => `• \`…${tag.suffix}\` — ${tag.what}`);
  return `*In the sandbox*, versions ending in these suffixes fail on purpose:\n${lines.join('\n')}`;
}
