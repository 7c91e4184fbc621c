import { announceBreaches } from '../backup/rpo.ts';
import type { Processor } from '../processor.ts';

// Every few minutes (its job scheduler, jobs/backup/schedules.ts): each database's newest good backup
// against its RPO; a new breach is posted once.
export const backupRpoProcessor: Processor<'backup-rpo'> = async ({ deps }) => {
  const announced = await announceBreaches(deps);
  return { announced };
};
