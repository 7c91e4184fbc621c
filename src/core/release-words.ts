import { utcDateTime } from './policy.ts';
import { ranUntil, rolledBackStory, type Release, type RollbackChoice, type HeldSet } from './release.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// "14:02" today (UTC), "Nov 28 14:02" before.
export function whenWords(at: Date, now: Date): string {
  const time = at.toISOString().slice(11, 16);
  if (at.toISOString().slice(0, 10) === now.toISOString().slice(0, 10)) return time;
  return `${MONTHS[at.getUTCMonth()]} ${at.getUTCDate()} ${time}`;
}

function unit(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

// "3 days", "5 hours", "12 minutes", "40 seconds": how long a release served.
export function ranWords(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1_000));
  if (seconds < 60) return unit(seconds, 'second');
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return unit(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return unit(hours, 'hour');
  return unit(Math.floor(hours / 24), 'day');
}

export function byWhom(release: Release | undefined, now: Date): string {
  if (!release) return 'outside ops-bot';
  return `by <@${release.requester}> ${whenWords(release.finishedAt ?? release.startedAt, now)}`;
}

// The live end of a rollback plan: who released it and when, and that it is what runs. Not "rolled
// back": read at 3 a.m. on a request not yet approved, or one rejected, that said it had happened.
export function fromWords(live: Release | undefined, now: Date): string {
  return `${byWhom(live, now)}, live`;
}

// The other end, in the words of how it was chosen.
export function toWords<S extends HeldSet>(
  releases: Release[],
  choice: Exclude<RollbackChoice<S>, { kind: 'pruned' }>,
): string {
  if (choice.kind === 'no-history') return 'no release history yet: previous revision';
  if (choice.kind === 'no-good') return 'previous revision, made outside ops-bot';
  const until = ranUntil(releases, choice.release);
  const since = choice.release.finishedAt ?? choice.release.startedAt;
  return until ? `last good, ran ${ranWords(until.getTime() - since.getTime())}` : 'last good';
}

// A target named with --to: who released it, and the ⚠ line when it was rolled back away from.
export function namedWords(
  releases: Release[],
  target: Release | undefined,
  now: Date,
): { to: string; warning?: string } {
  const story = target ? rolledBackStory(releases, target) : undefined;
  if (!story) return { to: byWhom(target, now) };
  const who = story.by ? `<@${story.by}>` : 'the automatic rollback';
  return {
    to: byWhom(target, now),
    warning: `⚠ this release was rolled back on ${utcDateTime(story.at)} by ${who}: ${story.why}`,
  };
}

// A rollback that finished moments ago is what runs: another responder's /rollback goes further back,
// which they should know before they ask for it (two people answering the same page).
const JUST_NOW_MS = 30 * 60_000;

export function justRolledBackWords(live: Release | undefined, now: Date): string | undefined {
  if (live?.kind !== 'rollback' || live.outcome !== 'succeeded' || !live.finishedAt) return undefined;
  const ago = now.getTime() - live.finishedAt.getTime();
  if (ago < 0 || ago > JUST_NOW_MS) return undefined;
  return `⚠ <@${live.requester}> rolled back to ${live.version} ${ranWords(ago)} ago: this goes further back.`;
}

// The plan's ⚠ lines, in the order a person should read them.
export function warningsOf(...lines: (string | undefined)[]): { warning?: string } {
  const said = lines.filter((line): line is string => line !== undefined);
  return said.length > 0 ? { warning: said.join(' ') } : {};
}
