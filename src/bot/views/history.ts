import { actions, code, context, section, view, type Block, type View } from './blocks.ts';
import { rollbackButtonValue } from '../../core/rollback-button.ts';

export type HistoryRow = {
  revision: number;
  // The ReplicaSet's uid: the row's Roll back button is bound to it.
  uid: string;
  version: string;
  at: Date | undefined;
  who: string | undefined;
  why: string | undefined;
  live: boolean;
};

export const ROLLBACK_TO = 'rollback_to';

function revisionLine(row: HistoryRow): string {
  const marker = row.live ? ':large_green_circle: *live*' : ':white_circle:';
  const at = row.at ? ` · ${row.at.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
  const who = row.who ? ` · ${row.who}` : '';
  const why = row.why ? ` — ${row.why}` : '';
  return `${marker} rev *${row.revision}* ${code(row.version)}${at}${who}${why}`;
}

// /deploy history: the revisions the cluster still holds, newest first, with who and why, the live one
// marked, and a Rollback-to button on each older one (at most 25 buttons: Slack's limit per block).
// `auditMissing`: the audit log did not answer in time, so who and why come from the cluster alone.
export function historyView(
  service: string,
  env: string,
  rows: HistoryRow[],
  kept: number,
  auditMissing = false,
): View {
  const lines = rows.map(revisionLine);
  const blocks: Block[] = [section(`*Deploy history of ${service} in ${env}* (newest first)\n${lines.join('\n')}`)];
  const older = rows.filter((row) => !row.live).slice(0, 25);
  if (older.length > 0)
    blocks.push(
      actions(
        `history:${service}:${env}`,
        older.map((row) => ({
          actionId: ROLLBACK_TO,
          text: `Roll back to rev ${row.revision} (${row.version})`,
          value: rollbackButtonValue({
            service,
            env,
            bound: { kind: 'row', revision: row.revision, version: row.version, rs: row.uid },
          }),
        })),
      ),
    );
  const replicaSets = `${kept} ReplicaSet${kept === 1 ? '' : 's'}`;
  blocks.push(
    context(
      `The cluster keeps ${replicaSets} (revisionHistoryLimit); older revisions can no longer be rolled back to.`,
    ),
  );
  if (auditMissing)
    blocks.push(context(':warning: The audit log did not answer in time: who and why come from the cluster alone.'));
  return view(`Deploy history of ${service} in ${env}:\n${lines.join('\n').replace(/\*/g, '')}`, blocks);
}
