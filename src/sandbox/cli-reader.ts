import type { Reader } from './cli-calls.ts';

type State = {
  users: { id: string; name: string }[];
  groups?: { id: string; handle: string }[];
  channels: { id: string; name: string }[];
};
type ClockAnswer = { ok: boolean; offsetMs?: number };

// Who and what the ids in the bot's messages name (people, user groups and channels), and the clock.
export async function reader(sim: string): Promise<Reader> {
  const names = new Map<string, string>();
  await learnNames(sim, names);
  const clock = (await (await fetch(`${sim}/_sim/clock`)).json().catch(() => ({}))) as ClockAnswer;
  const offsetMs = clock.ok ? (clock.offsetMs ?? 0) : 0;
  return { names, nowMs: () => Date.now() + offsetMs };
}

// Reads the names again from the workspace: a channel created since (by anyone) gets its name.
export async function learnNames(sim: string, names: Map<string, string>): Promise<void> {
  const state = (await (await fetch(`${sim}/_sim/state`)).json()) as State;
  for (const user of state.users) names.set(user.id, user.name);
  for (const group of state.groups ?? []) names.set(group.id, group.handle);
  for (const channel of state.channels) names.set(channel.id, channel.name);
}

// The ids a call names that the reader does not know yet (a channel created after it read the names).
export function unknownIds(args: Record<string, unknown>, names: Map<string, string>): boolean {
  const ids = [args.channel, args.channel_id, ...String(args.users ?? '').split(',')];
  return ids.some((id) => typeof id === 'string' && /^[CGDUW][A-Z0-9]{6,}$/.test(id) && !names.has(id));
}
