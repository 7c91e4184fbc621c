import { el } from './blocks.ts';
import type { ConsoleState } from './types.ts';

// The sandbox's own controls in the sidebar: the bot's clock (set a time, or back to now) and the
// scene menu with the narration of the scene playing. Both post to the console server, which answers
// as the simulator's /_sim/clock and /_sim/scenes do.
const $ = (id: string) => document.getElementById(id)!;
let offsetMs: number | undefined;

export function renderControls(state: ConsoleState): void {
  offsetMs = state.clock?.offsetMs;
  $('sandbox-controls').hidden = state.clock === undefined && state.scenes.length === 0;
  showClock();
  const select = $('scene') as HTMLSelectElement;
  if (select.options.length !== state.scenes.length)
    select.replaceChildren(
      ...state.scenes.map((scene) =>
        Object.assign(el('option', '', `${scene.title} (${scene.steps} steps)`), { value: scene.name }),
      ),
    );
  const scene = state.scene;
  const playing = scene?.state === 'playing';
  // The menu names the scene playing, whoever started it (another page, or `npm run slack -- --scene`).
  if (playing) select.value = scene.name;
  select.disabled = playing;
  ($('scene-play') as HTMLButtonElement).disabled = playing;
  const lines = (scene?.lines ?? []).map((line) =>
    el('li', '', line.step > 0 ? `${line.step}/${line.of} ${line.say}` : line.say),
  );
  if (scene?.state === 'finished') lines.push(el('li', 'finished', `${scene.title}: finished`));
  if (scene?.state === 'stopped') lines.push(el('li', 'stopped', scene.error ?? 'stopped'));
  $('narration').replaceChildren(...lines);
}

function showClock(): void {
  if (offsetMs === undefined) return void $('clock-now').replaceChildren();
  const now = new Date(Date.now() + offsetMs);
  const weekday = now.toLocaleDateString('en', { weekday: 'long', timeZone: 'UTC' });
  const shown = `${now.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${weekday}`;
  $('clock-now').textContent = `The bot's clock: ${shown}${offsetMs === 0 ? ' (real time)' : ''}`;
}

async function post(path: string, body: unknown, showError: (message: string) => void): Promise<void> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { ok: boolean; error?: string };
  if (!answer.ok) showError(answer.error ?? `HTTP ${response.status}`);
}

export function wireControls(showError: (message: string) => void): void {
  $('clock-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const at = ($('clock-at') as HTMLInputElement).value.trim();
    if (at) void post('/clock', { at }, showError);
  });
  $('clock-reset').addEventListener('click', () => void post('/clock', { reset: true }, showError));
  $('scene-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const name = ($('scene') as HTMLSelectElement).value;
    if (name) void post(`/scenes/${encodeURIComponent(name)}`, {}, showError);
  });
  setInterval(showClock, 1_000);
}
