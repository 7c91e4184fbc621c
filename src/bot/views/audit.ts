import { type AuditRow } from '../../core/audit.ts';
import { formatDuration } from '../../core/duration.ts';
import { code, context, section, view, type View } from './blocks.ts';

function line(row: AuditRow): string {
  const at = row.at.toISOString().slice(5, 16).replace('T', ' ');
  const what = [row.action ?? row.event, row.target].filter(Boolean).join(' ');
  const reason = row.reason ? ` — ${row.reason.length > 80 ? `${row.reason.slice(0, 79)}…` : row.reason}` : '';
  const job = row.jobId ? ` ${code(row.jobId)}` : '';
  return `${at}  <@${row.actor}>  *${row.event}/${row.decision}*  ${what}${job}${reason}`;
}

export function auditView(rows: AuditRow[], filter: string | undefined, sinceMs: number): View {
  const scope = `${filter ? `for ${code(filter)} ` : ''}in the last ${formatDuration(sinceMs)}`;
  if (rows.length === 0) return view(`No audit entries ${scope}.`, [section(`No audit entries ${scope}.`)]);
  const text = rows.map(line).join('\n');
  return view(`Audit ${scope}:\n${text}`, [
    section(`*Audit ${scope}* (newest first, UTC)\n${text}`),
    context('`npm run audit:export -- --since 30d --format csv` exports everything.'),
  ]);
}
