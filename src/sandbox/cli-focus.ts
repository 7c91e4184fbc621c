import type { Call } from './cli-calls.ts';

// What a command's output keeps of the bot's activity: what concerns the command's channel, the
// person, the jobs it started and the messages already shown; the rest is someone else's (another
// person's request, posted meanwhile). A channel the bot changes (created, topic, bookmark) is held
// back until something shown names it or is posted in it, then printed first.
export class Focus {
  readonly #channels = new Set<string>();
  readonly #ids = new Set<string>();
  readonly #held = new Map<string, string[]>();

  constructor(channelId: string | undefined, userId: string | undefined) {
    if (channelId) this.#channels.add(channelId);
    if (userId) this.#ids.add(userId);
  }

  // The lines to print for this call's line (none, when it is held or unrelated).
  take(call: Call, line: string, jobs: Iterable<string>): string[] {
    for (const job of jobs) this.#ids.add(job);
    const channel = channelOf(call);
    const said = JSON.stringify(call.args);
    const related =
      call.method === 'response_url' ||
      call.method === 'views.open' ||
      (channel !== undefined && this.#channels.has(channel)) ||
      [...this.#ids].some((id) => said.includes(id) || line.includes(id));
    if (!related) {
      if (channel) this.#held.set(channel, [...(this.#held.get(channel) ?? []), line]);
      return [];
    }
    const shown: string[] = [];
    for (const named of [channel, ...channelsNamed(said)]) {
      if (!named) continue;
      this.#channels.add(named);
      shown.push(...(this.#held.get(named) ?? []));
      this.#held.delete(named);
    }
    for (const ts of [call.result?.ts, call.result?.message_ts]) if (ts) this.#ids.add(ts);
    return [...shown, line];
  }
}

function channelOf(call: Call): string | undefined {
  const created = (call.result?.channel as { id?: string } | undefined)?.id;
  const id = call.args.channel ?? call.args.channel_id ?? created;
  return typeof id === 'string' ? id : undefined;
}

function channelsNamed(text: string): string[] {
  return [...text.matchAll(/<#([CG][A-Z0-9]+)/g)].map((match) => match[1]!);
}
