import type { FailureMode } from './kube/controller.ts';
import type { KubeSimulator } from './kube/simulator.ts';

// Image tags that fail on purpose in the sandbox's clusters, by suffix: `/deploy checkout 1.4.5-broken`
// shows what a missing image looks like. Listed in the README (the table between its failing-tags markers,
// written by `npm run readme:failing-tags`), in `/ops help deploy` and in the console's help.
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

// What a console's help shows, as plain JSON: each suffix, a command that tries it, and what happens.
export type FailingTag = { suffix: string; mode: FailureMode; what: string; example: string };

export function failingTagList(): FailingTag[] {
  return FAILING_TAGS.map((tag) => ({ ...tag, example: `/deploy checkout 1.4.5${tag.suffix} to staging` }));
}

// The README's table, generated from FAILING_TAGS (a unit test checks the README carries it unchanged).
export function failingTagsTable(): string {
  const rows = failingTagList().map((tag) => `| \`…${tag.suffix}\` | ${tag.mode} | ${tag.what} | \`${tag.example}\` |`);
  return ['| Version ends in | Failure | What the deploy shows | Try |', '| --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

export const README_MARKERS = { start: '<!-- failing-tags:start -->', end: '<!-- failing-tags:end -->' };

// The README with the table between its markers replaced by the current one.
export function withFailingTagsTable(readme: string): string {
  const start = readme.indexOf(README_MARKERS.start);
  const end = readme.indexOf(README_MARKERS.end);
  if (start < 0 || end < start) throw new Error(`README.md lacks ${README_MARKERS.start} … ${README_MARKERS.end}`);
  return `${readme.slice(0, start + README_MARKERS.start.length)}\n${failingTagsTable()}\n${readme.slice(end)}`;
}
