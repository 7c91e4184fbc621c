import { beforeDeadline } from '../../core/deadline.ts';
import { type IncidentRecord } from '../../core/incident-record.ts';
import { servicesOf } from '../../core/incident.ts';
import { LAST_CHANGE_STEP, type LastChange } from '../../core/last-change.ts';
import type { ProcessorDeps } from '../processor.ts';
import { step } from './steps.ts';

// The set-up waits this long for the ledger before the card says it could not be read: the card,
// the pin and the broadcast must not wait on a slow PostgreSQL for long.
const LEDGER_BUDGET_MS = 2_000;
// Releases started after the declaration (a rollback from the card) are not "before declaration";
// among a service's newest rows, the newest one that started before it is the line.
const NEWEST_ROWS = 20;

// The last change of each affected service, in the environment its card line shows, read once at
// declaration and kept in `steps` (decided in decision 0019's addendum: no column, no re-read).
export async function readLastChanges(deps: ProcessorDeps, record: IncidentRecord): Promise<void> {
  const targets = servicesOf(deps.catalog, record.services).slice(0, 10);
  if (targets.length === 0) return;
  await step(deps, record, LAST_CHANGE_STEP, async () => {
    const entries = await Promise.all(
      targets.map(async ({ service, env }) => [service, await lastChangeOf(deps, service, env, record.declaredAt)]),
    );
    return Object.fromEntries(entries) as Record<string, LastChange>;
  });
}

async function lastChangeOf(deps: ProcessorDeps, service: string, env: string, declaredAt: Date): Promise<LastChange> {
  let rows;
  try {
    rows = await beforeDeadline(
      deps.releases.forTarget(service, env, NEWEST_ROWS),
      LEDGER_BUDGET_MS,
      () => new Error(`the release ledger did not answer within ${LEDGER_BUDGET_MS} ms`),
    );
  } catch (error) {
    deps.logger.warn({ err: error, service, env }, 'could not read the last change for the incident card');
    return { state: 'unreadable' };
  }
  const last = rows.find((release) => release.startedAt.getTime() <= declaredAt.getTime());
  if (!last) return { state: 'none' };
  return {
    state: 'known',
    kind: last.kind,
    version: last.version,
    requester: last.requester,
    startedAt: last.startedAt.toISOString(),
    outcome: last.outcome,
  };
}
