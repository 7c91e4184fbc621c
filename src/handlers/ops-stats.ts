import { deliveryView } from '../bot/views/delivery.ts';
import type { OpsRequest } from '../core/grammar/commands.ts';
import type { AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';
import { ledgerScope, readLedger } from './ledger-reads.ts';

type OpsStatsRequest = Extract<OpsRequest, { sub: 'stats' }>;

// Services listed under an environment's or everything's figures: the busiest, by releases that went live.
const TOP_SERVICES = 8;

// /ops stats [service|env] [--since 30d]: delivery figures from the release ledger, computed in
// PostgreSQL within the command's ack deadline.
export async function opsStats(deps: HandlerDeps, request: OpsStatsRequest, deadline: AckDeadline) {
  const scope = ledgerScope(deps, request.scope, '/ops stats [service|env] [--since 30d]');
  const filter = { since: new Date(deps.now().getTime() - request.sinceMs), top: TOP_SERVICES, ...scope };
  const totals = await readLedger(() => deps.stats.totals(filter), deadline);
  return deliveryView(totals, {
    scope: request.scope,
    perService: scope.service === undefined,
    sinceMs: request.sinceMs,
  });
}
