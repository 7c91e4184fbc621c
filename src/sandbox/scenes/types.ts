// A scene: one of the README's stories, played step by step as the example catalog's people.
// Values that depend on what is live (the next version, a backup id, a channel the bot created)
// are functions of the scene's variables, filled in as it plays.
export type Vars = Record<string, string>;
export type Dyn = string | ((vars: Vars) => string);

// Where a step looks for a message: text it shows (a regular expression over its text and blocks),
// optionally in one channel (a name, or a variable holding a channel id).
export type Pattern = RegExp | string | ((vars: Vars) => RegExp | string);
export type Match = { text: Pattern; in?: Dyn };

export type Step =
  | { say: Dyn; kind: 'command'; as: string; line: Dyn; channel?: Dyn }
  // `shows`: the result the step waits for before the next one, on the message it acted on (an approval
  // named there), so that what the narration says happened in that order.
  | { say: Dyn; kind: 'click'; as: string; actionId: string; value?: Dyn; on?: Match; shows?: Pattern }
  | { say: Dyn; kind: 'react'; as: string; reaction: string; on: Match; shows?: Pattern }
  | { say: Dyn; kind: 'submit'; as: string; callbackId: string; fields: Record<string, Dyn> }
  // Waits until a message (or an ephemeral reply) shows the text; `capture` keeps the first group of
  // the match (or the whole match) as a variable, `channel` keeps the message's channel id.
  | { say: Dyn; kind: 'wait'; until: Match; timeoutMs?: number; capture?: string; channel?: string }
  | { say: Dyn; kind: 'compute'; run: (vars: Vars, world: SceneWorld) => Vars };

export type Scene = {
  name: string;
  title: string;
  // Production changes: when production is frozen now, the clock is set to the freeze's end first,
  // and put back at the end.
  workingHours?: boolean;
  steps: Step[];
};

// What a scene may read besides Slack: the image a Deployment runs in a cluster (by kubeconfig context).
export type SceneWorld = { image(context: string, namespace: string, deployment: string): string | undefined };

export type SceneSummary = { name: string; title: string; steps: number };
// seq: the simulator's last recorded call when it was said, so a reader can put it among the bot's messages.
export type SceneLine = { step: number; of: number; say: string; seq: number };
export type ScenePlay = {
  name: string;
  title: string;
  state: 'playing' | 'finished' | 'stopped';
  lines: SceneLine[];
  // When it stopped: "scene stopped at step N: …".
  error?: string;
  startedAt: string;
};

// What the control routes and the console use of the runner.
export interface ScenePlayer {
  list(): SceneSummary[];
  readonly current: ScenePlay | undefined;
  start(name: string): ScenePlay;
}
