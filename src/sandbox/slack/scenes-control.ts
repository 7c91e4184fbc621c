import type { ServerResponse } from 'node:http';
import { SceneBusy, SceneUnknown } from '../scenes/errors.ts';
import type { ScenePlayer } from '../scenes/types.ts';
import { send } from './http-io.ts';

// GET /_sim/scenes: the scenes and the one playing (or played last); GET /_sim/scenes/current: that one;
// POST /_sim/scenes/<name>: starts it (409 while another plays).
export function scenesRoute(
  scenes: ScenePlayer | undefined,
  method: string,
  name: string | undefined,
  res: ServerResponse,
): void {
  if (!scenes) return send(res, 404, { ok: false, error: 'this simulator plays no scenes (npm run sandbox does)' });
  if (method === 'GET' && !name) return send(res, 200, { ok: true, scenes: scenes.list(), current: scenes.current });
  if (method === 'GET' && name === 'current') return send(res, 200, { ok: true, current: scenes.current });
  if (method !== 'POST' || !name)
    return send(res, 405, { ok: false, error: 'GET /_sim/scenes or POST /_sim/scenes/<name>' });
  try {
    send(res, 202, { ok: true, current: scenes.start(decodeURIComponent(name)) });
  } catch (error) {
    if (error instanceof SceneBusy) return send(res, 409, { ok: false, error: error.message });
    if (error instanceof SceneUnknown) return send(res, 404, { ok: false, error: error.message });
    throw error;
  }
}
