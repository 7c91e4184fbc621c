import { publishHome } from '../home.ts';
import type { Processor } from '../processor.ts';

// Re-publishes the Home of each person who opened it within the TTL. One person's failure (they left
// the workspace, a rate limit) does not keep the others' Homes stale; the next change tries again.
export const homeRefreshProcessor: Processor<'home-refresh'> = async ({ deps, logger }) => {
  const people = await deps.homes.recent(deps.now());
  let published = 0;
  for (const userId of people) {
    try {
      await publishHome(deps, userId);
      published += 1;
    } catch (error) {
      logger.warn({ err: error, userId }, 'could not refresh an App Home');
    }
  }
  return { people: people.length, published };
};
