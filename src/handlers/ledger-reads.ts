import { unknownScope } from '../core/unknown-names.ts';
import { UserError } from '../core/user-error.ts';
import { beforeDeadline, type AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';

// What /ops history and /ops stats share: the word that names a service or an environment, and a
// read of the release ledger within the command's ack deadline (the answer is the ack's body, so a
// late PostgreSQL is a refusal, never Slack's timeout).

// The one word names a catalog service or an environment (a service wins should a word be both);
// anything else is refused with both lists and the command's usage.
export function ledgerScope(
  deps: HandlerDeps,
  scope: string | undefined,
  usage: string,
): { service?: string; env?: string } {
  if (scope === undefined) return {};
  if (deps.catalog.services[scope]) return { service: scope };
  if (deps.catalog.environments[scope]) return { env: scope };
  throw unknownScope(scope, Object.keys(deps.catalog.services), Object.keys(deps.catalog.environments), usage);
}

export function readLedger<T>(read: () => Promise<T>, deadline: AckDeadline): Promise<T> {
  const unavailable = () =>
    new UserError(
      'ops-bot cannot read its release ledger right now (PostgreSQL did not answer); try again in a moment.',
      {
        code: 'ledger_unavailable',
      },
    );
  return beforeDeadline(
    read().catch(() => {
      throw unavailable();
    }),
    deadline.share(),
    unavailable,
  );
}
