import { type AuditRow } from '../../core/audit.ts';
import { formatDuration } from '../../core/duration.ts';
import { shortReason, code, context, section, view, type View } from './blocks.ts';

function line(row: AuditRow): string {
  const at = row.at.toISOString().slice(5, 16).replace('T', ' ');
  const what = [row.action ?? row.event, row.target].filter(Boolean).join(' ');
  const reason = row.reason ? ` — ${shortReason(row.reason)}` : '';
  const job = row.jobId ? ` ${code(row.jobId)}` : '';
  return `${at}  <@${row.actor}>  *${row.event}/${row.decision}*  ${what}${job}${reason}`;
}

// `rows` may hold one more than `shown`: then the list says it was cut.
export function auditView(rows: AuditRow[], filter: string | undefined, sinceMs: number, shown = rows.length): View {
  const scope = `${filter ? `for ${code(filter)} ` : ''}in the last ${formatDuration(sinceMs)}`;
  if (rows.length === 0) return view(`No audit entries ${scope}.`, [section(`No audit entries ${scope}.`)]);
  const text = rows.slice(0, shown).map(line).join('\n');
  const cut =
    rows.length > shown
      ? `Only the newest ${shown} are shown: name a service or environment, or a shorter --since, to see the rest. `
      : '';
  return view(`Audit ${scope}:\n${text}${cut ? `\n${cut}` : ''}`, [
    section(`*Audit ${scope}* (newest first, UTC)\n${text}`),
    context(`${cut}\`npm run audit:export -- --since 30d --format csv\` exports everything.`),
  ]);
}
