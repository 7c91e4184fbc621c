import { whoamiView } from '../../bot/views/whoami.ts';
import { catalogHandles, permissionsOf } from '../../core/permissions.ts';
import type { Processor } from '../processor.ts';
import { replyToRequester } from '../reply.ts';

// Resolving groups takes Slack calls (usergroups.list, usergroups.users.list per group),
// so it runs here and not inside the 3-second ack.
export const whoamiProcessor: Processor<'whoami'> = async ({ data, deps }) => {
  const identity = await deps.directory.identify(data.requestedBy.userId, catalogHandles(deps.catalog));
  const groups = [...identity.groups].sort();
  await replyToRequester(
    deps.slack,
    data,
    whoamiView({
      userId: identity.userId,
      teamId: data.requestedBy.teamId,
      groups,
      permissions: permissionsOf(identity, deps.catalog),
    }),
  );
  return { groups };
};
