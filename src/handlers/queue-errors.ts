import { UserError } from '../core/user-error.ts';

// Redis is where jobs live; when it is away the person must hear that nothing started.
export async function withQueue<T>(what: 'enqueue' | 'read', run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      what === 'enqueue'
        ? 'ops-bot cannot reach its job queue (Redis) right now, so nothing was started.'
        : 'ops-bot cannot reach its job queue (Redis) right now.',
      {
        hint: 'Try again in a minute; `/ops status` will work again once the queue is back.',
        code: 'queue_unavailable',
      },
    );
  }
}
