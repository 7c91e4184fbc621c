import { kindOfJobId } from '../core/ids.ts';
import { isJobKind } from '../jobs/kinds.ts';
import type { JobQueues } from '../jobs/queues.ts';

// Where a job the bot named stands (BullMQ's state: active, waiting, delayed, completed, failed…), for
// `npm run slack`, which waits until the job its command started has finished. Undefined: no such job.
export function jobStateReader(queues: JobQueues): (jobId: string) => Promise<string | undefined> {
  return async (jobId) => {
    const kind = kindOfJobId(jobId);
    if (!kind || !isJobKind(kind)) return undefined;
    const job = await queues.queue(kind).getJob(jobId);
    return job ? job.getState() : undefined;
  };
}
