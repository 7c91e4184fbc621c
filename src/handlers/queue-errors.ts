import { UserError } from '../core/user-error.ts';
import type { JobData } from '../jobs/job-data.ts';
import type { JobKind } from '../jobs/kinds.ts';
import { beforeDeadline, type AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';

// Redis is where jobs live; when it is away the person must hear that nothing started.
export async function withQueue<T>(what: 'enqueue' | 'read', run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw queueUnavailable(what);
  }
}

function queueUnavailable(what: 'enqueue' | 'read'): UserError {
  return new UserError(
    what === 'enqueue'
      ? 'ops-bot cannot reach its job queue (Redis) right now, so nothing was started.'
      : 'ops-bot cannot reach its job queue (Redis) right now.',
    {
      hint: 'Try again in a minute; `/ops status` will work again once the queue is back.',
      code: 'queue_unavailable',
    },
  );
}

// A job queued within what is left of the ack deadline, or a refusal saying nothing started.
// An add abandoned at the deadline may still reach Redis after that refusal: the job is then removed
// as soon as it lands, so a change the person was told did not start does not start.
export async function enqueueBefore<K extends JobKind>(
  deps: Pick<HandlerDeps, 'queues' | 'logger'>,
  deadline: AckDeadline,
  kind: K,
  jobId: string,
  data: JobData<K>,
): Promise<void> {
  const ms = deadline.share();
  // Nothing left: the reply is due now, and a job added after it would start what it calls refused.
  if (ms <= 0) throw queueUnavailable('enqueue');
  const adding = deps.queues.enqueue(kind, jobId, data);
  let late = false;
  adding.then(
    () => (late ? withdraw(deps, kind, jobId) : undefined),
    () => undefined,
  );
  await withQueue('enqueue', () =>
    beforeDeadline(adding, ms, () => {
      late = true;
      return new Error(`enqueue did not finish within ${Math.round(ms)} ms`);
    }),
  );
}

async function withdraw(deps: Pick<HandlerDeps, 'queues' | 'logger'>, kind: JobKind, jobId: string): Promise<void> {
  await deps.queues
    .remove(kind, jobId)
    .then(() => deps.logger.warn({ jobId }, 'removed a job queued after its request was refused'))
    .catch((error: unknown) => deps.logger.error({ err: error, jobId }, 'could not remove a late job'));
}
