import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { publishHome } from '../jobs/home.ts';
import type { HandlerDeps } from './deps.ts';

const homeOpened = z.object({ type: z.literal('app_home_opened'), user: z.string().min(1), tab: z.string() });

// Opening ops-bot's Home tab publishes it at once and remembers the person, so later changes refresh
// it (jobs/processors/home-refresh.ts). The Messages tab opens the same event with tab "messages".
export function appHomeOpened(deps: HandlerDeps) {
  return async ({ event }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    const parsed = homeOpened.safeParse(event);
    if (!parsed.success || parsed.data.tab !== 'home') return;
    const { user } = parsed.data;
    try {
      await deps.homes.remember(user, deps.now());
      await publishHome(deps, user);
    } catch (error) {
      deps.logger.error({ err: error, user }, 'could not publish the App Home');
    }
  };
}
