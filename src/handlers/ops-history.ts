import { releaseHistoryView } from '../bot/views/release-history.ts';
import type { OpsRequest } from '../core/grammar/commands.ts';
import type { AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';
import { ledgerScope, readLedger } from './ledger-reads.ts';

type OpsHistoryRequest = Extract<OpsRequest, { sub: 'history' }>;

// Enough for the first question of an incident; more is a job for `npm run audit:export`.
const HISTORY_LIMIT = 50;

// /ops history [service|env] [--since 24h]: the release ledger, read within the command's ack deadline.
export async function opsHistory(deps: HandlerDeps, request: OpsHistoryRequest, deadline: AckDeadline) {
  const filter = {
    since: new Date(deps.now().getTime() - request.sinceMs),
    limit: HISTORY_LIMIT,
    ...ledgerScope(deps, request.scope, '/ops history [service|env] [--since 24h]'),
  };
  const changes = await readLedger(() => deps.releases.changedSince(filter), deadline);
  return releaseHistoryView(changes, request.scope, request.sinceMs, HISTORY_LIMIT);
}
