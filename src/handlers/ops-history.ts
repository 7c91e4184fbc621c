import { releaseHistoryView } from '../bot/views/release-history.ts';
import type { OpsRequest } from '../core/grammar/commands.ts';
import type { ReleaseChange } from '../core/release.ts';
import { UserError } from '../core/user-error.ts';
import { beforeDeadline, type AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';

type OpsHistoryRequest = Extract<OpsRequest, { sub: 'history' }>;

// Enough for the first question of an incident; more is a job for `npm run audit:export`.
const HISTORY_LIMIT = 50;

// /ops history [service|env] [--since 24h]: the release ledger, read within the command's ack deadline
// (the answer is the ack's body, so a late PostgreSQL is a refusal, never Slack's timeout).
export async function opsHistory(deps: HandlerDeps, request: OpsHistoryRequest, deadline: AckDeadline) {
  const filter = {
    since: new Date(deps.now().getTime() - request.sinceMs),
    limit: HISTORY_LIMIT,
    ...scopeOf(deps, request.scope),
  };
  const unavailable = () =>
    new UserError(
      'ops-bot cannot read its release ledger right now (PostgreSQL did not answer); try again in a moment.',
      {
        code: 'ledger_unavailable',
      },
    );
  const changes: ReleaseChange[] = await beforeDeadline(
    deps.releases.changedSince(filter).catch(() => {
      throw unavailable();
    }),
    deadline.share(),
    unavailable,
  );
  return releaseHistoryView(changes, request.scope, request.sinceMs, HISTORY_LIMIT);
}

// The one word names a catalog service or an environment; anything else is refused with both lists.
function scopeOf(deps: HandlerDeps, scope: string | undefined): { service?: string; env?: string } {
  if (scope === undefined) return {};
  if (deps.catalog.services[scope]) return { service: scope };
  if (deps.catalog.environments[scope]) return { env: scope };
  const services = Object.keys(deps.catalog.services).join(', ') || 'none';
  const environments = Object.keys(deps.catalog.environments).join(', ');
  const usage = '`/ops history [service|env] [--since 24h]`';
  throw new UserError(`There is no service or environment \`${scope}\` in the catalog.`, {
    hint: `Services: ${services}. Environments: ${environments}. Usage: ${usage}.`,
    code: 'unknown_scope',
  });
}
