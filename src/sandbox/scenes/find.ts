import type { SimEphemeral, SimMessage, Workspace } from '../slack/workspace.ts';
import type { Dyn, Match, Pattern, Vars } from './types.ts';

export const resolve = (value: Dyn, vars: Vars): string => (typeof value === 'function' ? value(vars) : value);

// Where a scene starts reading the workspace: what was there before it is not its story.
// `views` moves to each click, so a form is submitted only once that click has opened it again.
export type Mark = { messages: number; ephemerals: number; views: number };
export const markOf = (workspace: Workspace): Mark => ({
  messages: workspace.messages.length,
  ephemerals: workspace.ephemerals.length,
  views: workspace.views.length,
});

export function formOpened(workspace: Workspace, mark: Mark, callbackId: string): boolean {
  return workspace.views
    .slice(mark.views)
    .some((entry) => (entry.view as { callback_id?: string }).callback_id === callbackId);
}

type Seen = { ts: string; channel: string; haystack: string };

// A message as a scene reads it: its text, its blocks (action ids included) and its files' titles.
function haystack(message: SimMessage | SimEphemeral): string {
  const files = 'files' in message ? (message.files ?? []).map((file) => file.title).join('\n') : '';
  return `${message.text}\n${JSON.stringify(message.blocks)}\n${files}`;
}

// Messages since the mark and the person's own ephemeral replies, newest first.
function visible(workspace: Workspace, mark: Mark, userId: string | undefined): Seen[] {
  const messages = workspace.messages.slice(mark.messages).filter((message) => !message.deleted);
  const ephemerals = workspace.ephemerals
    .slice(mark.ephemerals)
    .filter((message) => !message.replaced && (userId === undefined || message.user === userId));
  return [...messages, ...ephemerals]
    .map((message) => ({ ts: message.ts, channel: message.channel, haystack: haystack(message) }))
    .sort((a, b) => Number(b.ts) - Number(a.ts));
}

function channelIdOf(workspace: Workspace, ref: string): string | undefined {
  return workspace.resolveChannel(ref)?.id;
}

export type Found = { ts: string; channel: string; match: RegExpMatchArray | string[] };

// The newest message since the mark that shows the text (and, with `actionId`, carries that action).
export function findMessage(
  workspace: Workspace,
  mark: Mark,
  options: { match?: Match; vars: Vars; userId?: string; actionId?: string },
): Found | undefined {
  const { match, vars } = options;
  const channel = match?.in === undefined ? undefined : channelIdOf(workspace, resolve(match.in, vars));
  const pattern = match ? patternOf(match.text, vars) : undefined;
  const action = options.actionId ? `"action_id":${JSON.stringify(options.actionId)}` : undefined;
  for (const seen of visible(workspace, mark, options.userId)) {
    if (channel && seen.channel !== channel) continue;
    if (action && !seen.haystack.includes(action)) continue;
    if (!pattern) return { ts: seen.ts, channel: seen.channel, match: [] };
    const found =
      typeof pattern === 'string' ? (seen.haystack.includes(pattern) ? [pattern] : null) : seen.haystack.match(pattern);
    if (found) return { ts: seen.ts, channel: seen.channel, match: found };
  }
  return undefined;
}

function patternOf(text: Match['text'], vars: Vars): RegExp | string {
  return typeof text === 'function' ? text(vars) : text;
}

export function describeMatch(match: Match, vars: Vars): string {
  const pattern = patternOf(match.text, vars);
  const text = pattern instanceof RegExp ? String(pattern) : `"${pattern}"`;
  return match.in === undefined ? text : `${text} in ${resolve(match.in, vars)}`;
}

// Whether the message at `ts` (a message or an ephemeral reply) now shows the text.
export function messageShows(workspace: Workspace, ts: string, text: Pattern, vars: Vars): boolean {
  const message = workspace.messages.find((each) => each.ts === ts) ?? workspace.ephemerals.find((e) => e.ts === ts);
  if (!message) return false;
  const pattern = patternOf(text, vars);
  const seen = haystack(message);
  return typeof pattern === 'string' ? seen.includes(pattern) : pattern.test(seen);
}
