import type { DeployHistory, HistoryEntry, HistorySet } from '../../core/deploy-history.ts';
import { esc } from '../../core/mrkdwn.ts';
import { byWhom, whenWords } from '../../core/release-words.ts';
import type { Release } from '../../core/release.ts';
import { rollbackButtonValue } from '../../core/rollback-button.ts';
import { shortReason, actions, code, context, section, view, type Block, type View } from './blocks.ts';
import { outcomeOf, packed } from './release-history.ts';

export const ROLLBACK_TO = 'rollback_to';

// What could not be read, for the warnings under the list: the ledger, or the blue-green colour not serving.
export type HistoryGaps = { ledgerMissing: boolean; unread?: string };

const MARKER = {
  live: ':large_green_circle: *live*',
  'live-again': ':white_circle:',
  held: ':white_circle:',
  pruned: ':wastebasket: _pruned_',
  none: ':white_circle:',
} as const;

// "sha256:1a2b3c4d5e6f": enough to tell two builds of one tag apart.
function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest.slice(0, 19);
}

type ReleaseEntry = Extract<HistoryEntry<HistorySet>, { kind: 'release' }>;

function revisionOf(entry: ReleaseEntry, colours: boolean): string {
  const where = colours ? ` in ${entry.set?.deployment ?? entry.release.deployment}` : '';
  if (!entry.set) return where;
  const again = entry.held === 'live-again' ? ' (running again)' : '';
  return ` rev ${entry.set.revision}${where}${again}`;
}

function releaseLine(entry: ReleaseEntry, now: Date, colours: boolean): string {
  const { release } = entry;
  const digest = release.digest ? ` ${code(shortDigest(release.digest))}` : '';
  const who = `${release.kind === 'rollback' ? 'rollback ' : ''}${byWhom(release, now)}`;
  const approvers = release.approvers.length
    ? ` · approved by ${release.approvers.map((id) => `<@${id}>`).join(', ')}`
    : '';
  return (
    `${MARKER[entry.held]} ${code(release.version)}${digest}${revisionOf(entry, colours)} · ${who} · ` +
    `${outcomeOf(release)}${approvers}${reasonOf(release)}`
  );
}

function reasonOf(release: Release): string {
  if (!release.reason) return '';
  return ` — ${esc(shortReason(release.reason))}`;
}

function setLine(entry: Extract<HistoryEntry<HistorySet>, { kind: 'set' }>, now: Date, colours: boolean): string {
  const { set } = entry;
  const marker = entry.live ? MARKER.live : MARKER.held;
  const created = set.created ? ` · created ${whenWords(set.created, now)}` : '';
  const who = entry.unread ? 'who and why unknown' : byWhom(undefined, now);
  const where = colours ? ` in ${set.deployment}` : '';
  return `${marker} ${code(set.version)} rev ${set.revision}${where}${created} · ${who}`;
}

function lineOf(entry: HistoryEntry<HistorySet>, now: Date, colours: boolean): string {
  return entry.kind === 'release' ? releaseLine(entry, now, colours) : setLine(entry, now, colours);
}

// At most 25 buttons: Slack's limit per actions block.
function rollbackButtons(service: string, env: string, entries: HistoryEntry<HistorySet>[]): Block[] {
  const buttons = entries.flatMap((entry) =>
    entry.kind === 'release' && entry.rollbackTo && entry.set ? [{ release: entry.release, set: entry.set }] : [],
  );
  if (buttons.length === 0) return [];
  return [
    actions(
      `history:${service}:${env}`,
      buttons.slice(0, 25).map(({ release, set }) => ({
        actionId: ROLLBACK_TO,
        text: `Roll back to rev ${set.revision} (${release.version})`,
        value: rollbackButtonValue({
          service,
          env,
          bound: { kind: 'row', revision: set.revision, version: release.version, rs: set.uid },
        }),
      })),
    ),
  ];
}

function notes(input: HistoryViewInput): Block[] {
  const { history, gaps, held, created } = input;
  const shown = history.entries.length;
  const buttons = history.entries.some((entry) => entry.kind === 'release' && entry.rollbackTo && entry.set);
  const outside = history.entries.some((entry) => entry.kind !== 'release');
  const reach = [
    buttons ? 'Roll back buttons are on older good releases ops-bot recorded.' : '',
    outside ? 'A release made outside ops-bot has no button: `/rollback --to <revision>` reaches it.' : '',
  ].filter(Boolean);
  const notes = [
    `The cluster keeps ${held} ReplicaSet${held === 1 ? '' : 's'} (revisionHistoryLimit); a pruned release ` +
      `can no longer be rolled back to: \`/deploy\` its version instead.${reach.length ? ` ${reach.join(' ')}` : ''}`,
  ];
  if (history.total > shown) notes.push(`Newest ${shown} of ${history.total} shown: \`--limit 50\` shows more.`);
  if (history.earlier > 0 && created)
    notes.push(
      `This Deployment was created ${whenWords(created, input.now)} UTC; releases of the one deleted ` +
        'before it are not shown (`/ops history` lists them).',
    );
  if (gaps.unread)
    notes.push(`:warning: ${gaps.unread} (the colour not serving) did not answer in time: its releases are not shown.`);
  if (gaps.ledgerMissing)
    notes.push(
      ':warning: The release ledger did not answer in time: versions come from the cluster alone, with no who, ' +
        'why or outcome, and no Roll back buttons (`/rollback --to <revision>` still works).',
    );
  return notes.map((note) => context(note));
}

export type HistoryViewInput = {
  service: string;
  env: string;
  history: DeployHistory<HistorySet>;
  // ReplicaSets the cluster holds, and when the Deployment was created.
  held: number;
  created: Date | undefined;
  gaps: HistoryGaps;
  // Blue-green: both colours' Deployments are listed, so each line names its own.
  colours: boolean;
  now: Date;
};

// /deploy history: one line per release, newest first, the live one marked; buttons on older good ones.
export function historyView(input: HistoryViewInput): View {
  const { service, env, history } = input;
  const lines = history.entries.map((entry) => lineOf(entry, input.now, input.colours));
  const title = `*Deploy history of ${service} in ${env}* (newest first)`;
  const blocks: Block[] = [
    section(title),
    ...packed(lines).map((chunk) => section(chunk)),
    ...rollbackButtons(service, env, history.entries),
    ...notes(input),
  ];
  return view(`Deploy history of ${service} in ${env}:\n${lines.join('\n').replace(/\*/g, '')}`, blocks);
}
