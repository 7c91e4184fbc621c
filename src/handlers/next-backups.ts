import { nextBackups } from '../jobs/backup/schedules.ts';
import type { HandlerDeps } from './deps.ts';

// When each scheduled backup runs next, for lists that show it in passing: Redis being slow or away
// leaves the line out rather than failing the list.
export async function nextScheduled(deps: HandlerDeps): Promise<Map<string, Date>> {
  return nextBackups(deps.queues).catch((error: unknown) => {
    deps.logger.warn({ err: error }, 'could not read the backup schedules');
    return new Map<string, Date>();
  });
}
