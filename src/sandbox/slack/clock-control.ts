import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { ClockTimeError, parseClockTime, type OffsetClock } from '../../core/clock.ts';
import { send } from './http-io.ts';

// POST /_sim/clock: the sandbox's clock, for `npm run slack -- --clock …` and the console. The bot reads
// its policy time (freezes, approval expiry, the times it writes) from this clock; Slack's own message
// timestamps, request signatures and timers keep real time.
const clockRequest = z.union([
  z.object({ at: z.string().min(1) }).strict(),
  z.object({ offsetMs: z.number().int().finite() }).strict(),
  z.object({ reset: z.literal(true) }).strict(),
]);

export type ClockState = { ok: true; now: string; offsetMs: number; real: string };

export function clockState(clock: OffsetClock): ClockState {
  return { ok: true, now: clock.now().toISOString(), offsetMs: clock.offsetMs, real: new Date().toISOString() };
}

export function clockRoute(clock: OffsetClock | undefined, method: string, body: string, res: ServerResponse): void {
  if (!clock) return send(res, 404, { ok: false, error: 'this simulator has no sandbox clock' });
  if (method === 'GET') return send(res, 200, clockState(clock));
  if (method !== 'POST') return send(res, 405, { ok: false, error: 'GET or POST' });
  let json: unknown;
  try {
    json = JSON.parse(body || '{}');
  } catch {
    return send(res, 400, { ok: false, error: 'the body is not JSON' });
  }
  const parsed = clockRequest.safeParse(json);
  if (!parsed.success)
    return send(res, 400, {
      ok: false,
      error: 'send one of {"at": "2026-12-24 10:00 Europe/Berlin"}, {"offsetMs": 3600000} or {"reset": true}',
    });
  try {
    applyClock(clock, parsed.data);
  } catch (error) {
    if (error instanceof ClockTimeError) return send(res, 400, { ok: false, error: error.message });
    throw error;
  }
  send(res, 200, clockState(clock));
}

function applyClock(clock: OffsetClock, request: z.output<typeof clockRequest>): void {
  if ('reset' in request) return clock.reset();
  if ('offsetMs' in request) return clock.setOffset(request.offsetMs);
  const at = parseClockTime(request.at);
  if (at) clock.setAt(at);
  else clock.reset();
}
