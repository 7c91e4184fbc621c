import type { FreezeWindow } from '../../core/catalog.ts';
import { activeFreeze } from '../../core/freeze.ts';
import type { SlackDriver } from '../slack/driver.ts';
import { submitLatest } from '../slack/submit-view.ts';
import type { SimulatorSurface } from '../slack/surface.ts';
import { SceneBusy, SceneUnknown } from './errors.ts';
import {
  describeMatch,
  findMessage,
  formOpened,
  markOf,
  messageShows,
  resolve,
  type Found,
  type Mark,
} from './find.ts';
import type { Match, Scene, ScenePlay, SceneSummary, SceneWorld, Step, Vars } from './types.ts';

const WAIT_MS = 60_000;
// How long a button, message or form a step acts on may take to appear.
const FIND_MS = 20_000;
const POLL_MS = 50;

export { SceneBusy, SceneUnknown };
class NotYet extends Error {}

type Host = SimulatorSurface & { readonly driver: SlackDriver | undefined };

// Plays scenes inside the sandbox process, one at a time, as the people of the example catalog.
// Both front ends (the console, `npm run slack -- --scene`) start them here and read `current`.
export class SceneRunner {
  readonly #host: Host;
  readonly #world: SceneWorld;
  readonly #scenes: Scene[];
  // Production's freeze windows: a scene that changes production steps past the one in force, if any.
  readonly #freeze: FreezeWindow[];
  readonly #listeners = new Set<(play: ScenePlay) => void>();
  #current: ScenePlay | undefined;
  #playing: Promise<ScenePlay> | undefined;

  constructor(host: Host, world: SceneWorld, scenes: Scene[], freeze: FreezeWindow[] = []) {
    this.#host = host;
    this.#world = world;
    this.#scenes = scenes;
    this.#freeze = freeze;
  }

  list(): SceneSummary[] {
    return this.#scenes.map((scene) => ({ name: scene.name, title: scene.title, steps: scene.steps.length }));
  }

  get current(): ScenePlay | undefined {
    return this.#current;
  }

  // Resolves when the scene started last has finished or stopped.
  get played(): Promise<ScenePlay> | undefined {
    return this.#playing;
  }

  onChange(listener: (play: ScenePlay) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(name: string): ScenePlay {
    const scene = this.#scenes.find((candidate) => candidate.name === name);
    if (!scene)
      throw new SceneUnknown(`no scene ${name}; the scenes are ${this.#scenes.map((each) => each.name).join(', ')}`);
    if (this.#current?.state === 'playing') throw new SceneBusy(`the scene ${this.#current.name} is playing`);
    const play: ScenePlay = {
      name: scene.name,
      title: scene.title,
      state: 'playing',
      lines: [],
      startedAt: new Date().toISOString(),
    };
    this.#current = play;
    this.#changed();
    this.#playing = this.#play(scene, play);
    return play;
  }

  async #play(scene: Scene, play: ScenePlay): Promise<ScenePlay> {
    const clock = this.#host.clock;
    const offsetBefore = clock?.offsetMs ?? 0;
    const vars: Vars = {};
    const mark = markOf(this.#host.workspace);
    let at = 0;
    try {
      const frozen = scene.workingHours && clock ? activeFreeze(this.#freeze, clock.now()) : undefined;
      if (frozen && clock) {
        clock.setAt(frozen.end);
        const end = frozen.end.toISOString().slice(0, 16).replace('T', ' ');
        this.#say(play, 0, `production is frozen (${frozen.name}): the sandbox's clock is set to its end, ${end} UTC`);
      }
      for (const [index, step] of scene.steps.entries()) {
        at = index + 1;
        // A button or message is narrated once it is there to act on, not while it is still awaited.
        const narrate = () => this.#say(play, at, resolve(step.say, vars));
        if (step.kind !== 'click' && step.kind !== 'react') narrate();
        await this.#step(step, vars, mark, narrate);
      }
      play.state = 'finished';
    } catch (error) {
      play.state = 'stopped';
      play.error = `scene stopped at step ${at}: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      if (clock && clock.offsetMs !== offsetBefore) {
        clock.setOffset(offsetBefore);
        this.#say(play, 0, "the sandbox's clock is back where it was");
      }
      this.#changed();
    }
    return play;
  }

  #say(play: ScenePlay, step: number, say: string): void {
    const of = this.#scenes.find((scene) => scene.name === play.name)!.steps.length;
    play.lines.push({ step, of, say, seq: this.#host.lastSeq });
    this.#changed();
  }

  #changed(): void {
    if (this.#current) for (const listener of this.#listeners) listener(this.#current);
  }

  async #step(step: Step, vars: Vars, mark: Mark, narrate: () => void): Promise<void> {
    const driver = this.#host.driver;
    if (!driver) throw new Error('no bot is connected to the simulator');
    if (step.kind === 'compute') return void Object.assign(vars, step.run(vars, this.#world));
    if (step.kind === 'wait') return this.#wait(step, vars, mark);
    if (step.kind === 'command') {
      const channel = step.channel === undefined ? undefined : resolve(step.channel, vars);
      const answer = await driver.command(step.as, resolve(step.line, vars), channel ? { channel } : {});
      return refusedIf(answer.status);
    }
    if (step.kind === 'submit') {
      const fields = Object.fromEntries(Object.entries(step.fields).map(([key, value]) => [key, resolve(value, vars)]));
      const answer = await retry(`a form ${step.callbackId}`, async () => {
        if (!formOpened(this.#host.workspace, mark, step.callbackId)) throw new NotYet('not opened yet');
        try {
          return await submitLatest(this.#host, driver, { ...step, fields });
        } catch (error) {
          throw new NotYet(error instanceof Error ? error.message : String(error));
        }
      });
      return refusedIf(answer.status);
    }
    const userId = driver.user(step.as).id;
    const actionId = step.kind === 'click' ? step.actionId : undefined;
    const found = await retry(what(step, vars), async () => this.#find(mark, vars, userId, step.on, actionId));
    narrate();
    mark.views = this.#host.workspace.views.length;
    const value = step.kind === 'click' && step.value !== undefined ? resolve(step.value, vars) : undefined;
    const answer =
      step.kind === 'click'
        ? await driver.click(step.as, { messageTs: found.ts, actionId: step.actionId, ...(value ? { value } : {}) })
        : await driver.react(step.as, { messageTs: found.ts, reaction: step.reaction });
    refusedIf(answer.status);
    const shows = step.shows;
    if (shows === undefined) return;
    await retry(`message ${found.ts} to show ${describeMatch({ text: shows }, vars)}`, async () => {
      if (!messageShows(this.#host.workspace, found.ts, shows, vars)) throw new NotYet('not yet');
    });
  }

  #find(mark: Mark, vars: Vars, userId: string, match: Match | undefined, actionId?: string): Found {
    const workspace = this.#host.workspace;
    const found = findMessage(workspace, mark, {
      vars,
      userId,
      ...(match ? { match } : {}),
      ...(actionId ? { actionId } : {}),
    });
    if (!found) throw new NotYet('not there yet');
    return found;
  }

  async #wait(step: Extract<Step, { kind: 'wait' }>, vars: Vars, mark: Mark): Promise<void> {
    const timeoutMs = step.timeoutMs ?? WAIT_MS;
    const found = await retry(
      `waited ${Math.round(timeoutMs / 1000)} s for ${describeMatch(step.until, vars)}`,
      async () => {
        const seen = findMessage(this.#host.workspace, mark, { match: step.until, vars });
        if (!seen) throw new NotYet('not there yet');
        return seen;
      },
      timeoutMs,
      true,
    );
    if (step.capture) vars[step.capture] = found.match[1] ?? found.match[0] ?? '';
    if (step.channel) vars[step.channel] = found.channel;
  }
}

function what(step: Extract<Step, { kind: 'click' | 'react' }>, vars: Vars): string {
  const on = step.on ? ` on a message showing ${describeMatch(step.on, vars)}` : '';
  return step.kind === 'click' ? `a ${step.actionId} button${on} that @${step.as} can see` : `a message${on}`;
}

function refusedIf(status: number): void {
  if (status !== 200) throw new Error(`the bot answered HTTP ${status}`);
}

// Tries until `attempt` stops saying "not yet", for at most `timeoutMs`.
async function retry<T>(what: string, attempt: () => Promise<T>, timeoutMs = FIND_MS, worded = false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof NotYet)) throw error;
      if (Date.now() > deadline)
        throw new Error(worded ? what : `waited ${Math.round(timeoutMs / 1000)} s for ${what}: ${error.message}`);
    }
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
}
