import { auditView } from '../bot/views/audit.ts';
import { freezeView } from '../bot/views/freeze.ts';
import { withNextBackups } from '../bot/views/backup-reports.ts';
import { helpView } from '../bot/views/help.ts';
import { jobStatusView, queuedView, recentJobsView, unknownJobView } from '../bot/views/jobs.ts';
import type { AuditRow } from '../core/audit.ts';
import { activeFreeze, upcomingFreezes } from '../core/freeze.ts';
import type { OpsRequest } from '../core/grammar/commands.ts';
import { jobIdFor } from '../core/ids.ts';
import { environmentOf } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import type { CommandHandler } from './command-intake.ts';
import type { HandlerDeps } from './deps.ts';
import { cancelJob } from './cancel.ts';
import { nextScheduled } from './next-backups.ts';
import { opsLookup } from './lookups.ts';
import { opsHistory } from './ops-history.ts';
import { opsStats } from './ops-stats.ts';
import { withQueue } from './queue-errors.ts';
import { withRequestStates } from './request-states.ts';

// /ops: help, whoami, status, history, stats, audit, freeze, cancel, and the look-ups pods, events, logs.
export function opsCommand(deps: HandlerDeps): CommandHandler {
  return async (turn) => {
    const { request } = turn;
    if (request.command !== 'ops') return undefined;
    switch (request.sub) {
      case 'help':
        return helpView(request.topic, deps.helpNotes);
      case 'whoami': {
        const jobId = jobIdFor('whoami', turn.deliveryKey);
        await turn.accept({ action: 'ops.whoami', jobId });
        await withQueue('enqueue', () => deps.queues.enqueue('whoami', jobId, turn.envelope()));
        return queuedView(jobId, 'Looking up your groups and permissions…');
      }
      case 'status': {
        if (request.jobId === undefined) {
          const jobs = await withQueue('read', () => deps.queues.recentFor(turn.payload.user_id, 10));
          const shown = recentJobsView(await withRequestStates(deps, jobs), deps.now());
          return withNextBackups(shown, await nextScheduled(deps));
        }
        const jobId = request.jobId;
        const job = await withQueue('read', () => deps.queues.find(jobId));
        if (!job) return unknownJobView(jobId);
        const [shown] = await withRequestStates(deps, [job]);
        return jobStatusView(shown!, deps.now());
      }
      case 'freeze':
        return freezeView(freezesOf(deps, request.env));
      case 'cancel':
        await turn.accept({ action: 'ops.cancel', jobId: request.jobId }, { failClosed: true });
        return cancelJob(deps, request.jobId, turn.payload.user_id, { leave: request.leave });
      case 'history':
        return opsHistory(deps, request, turn.deadline);
      case 'stats':
        return opsStats(deps, request, turn.deadline);
      case 'audit':
        return auditView(await auditRows(deps, request), request.filter, request.sinceMs, AUDIT_LINES);
      case 'pods':
      case 'events':
      case 'logs':
        return opsLookup(deps, turn, request);
    }
  };
}

// Each environment's freeze now and the next two, for /ops freeze [env].
function freezesOf(deps: HandlerDeps, env: string | undefined) {
  const names = env ? [env] : Object.keys(deps.catalog.environments);
  const now = deps.now();
  return names.map((name) => {
    const environment = environmentOf(deps.catalog, name);
    return {
      env: name,
      active: activeFreeze(environment.freeze, now),
      next: upcomingFreezes(environment.freeze, now, 2),
      breakGlass: environment.breakGlass !== undefined,
    };
  });
}

// One more row than is shown: the view then says the list was cut, instead of ending as if complete.
const AUDIT_LINES = 25;

async function auditRows(deps: HandlerDeps, request: Extract<OpsRequest, { sub: 'audit' }>): Promise<AuditRow[]> {
  const since = new Date(deps.now().getTime() - request.sinceMs);
  const filter = request.filter ? { target: request.filter } : {};
  return deps.audit.query({ since, limit: AUDIT_LINES + 1, ...filter }).catch(() => {
    throw new UserError('ops-bot cannot read its audit log right now (PostgreSQL is unreachable).', {
      code: 'audit_unavailable',
    });
  });
}
