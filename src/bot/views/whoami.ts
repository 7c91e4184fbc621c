import { CANCEL_RULE } from '../../core/cancel-rule.ts';
import type { Permissions } from '../../core/permissions.ts';
import { describePeople } from '../../core/people.ts';
import { context, fields, section, view, type View } from './blocks.ts';

const ROLE_WORDS: Record<string, string> = {
  deploy: 'deploy',
  rollback: 'roll back',
  backup: 'back up',
  restore: 'restore',
  incident: 'declare incidents',
  incidentAdmin: 'run incidents (severity, resolve)',
  admin: 'administer (cancel any job, audit export)',
};

export type WhoamiState = { userId: string; teamId: string | undefined; groups: string[]; permissions: Permissions };

function mayText(may: string[]): string {
  return may.length > 0 ? may.join(', ') : 'nothing yet';
}

export function whoamiView(state: WhoamiState): View {
  const { permissions } = state;
  const may = permissions.roles.map((role) => ROLE_WORDS[role] ?? role);
  const approves = [
    ...permissions.approves.map((env) => `${env} changes`),
    ...permissions.approvesRollbacks.map((env) => `${env} rollbacks`),
    ...permissions.breaksGlass.map((env) => `${env} break-glass`),
  ];
  const lacking = permissions.lacking.map(
    ({ role, heldBy }) => `${ROLE_WORDS[role] ?? role} (needs ${describePeople(heldBy)})`,
  );
  const groups =
    state.groups.length > 0
      ? state.groups.map((handle) => `@${handle}`).join(', ')
      : 'none of the groups the catalog names';
  const text = `You are <@${state.userId}> (${state.userId}). Groups: ${groups}. You may: ${mayText(may)}.`;
  return view(text, [
    section(`You are <@${state.userId}> — \`${state.userId}\`${state.teamId ? ` in team \`${state.teamId}\`` : ''}`),
    fields([
      ['Your groups', groups],
      ['You may', mayText(may)],
      ['You approve', approves.length > 0 ? approves.join(', ') : 'nothing'],
      ['You may not', lacking.length > 0 ? lacking.join('\n') : 'nothing: you hold every role'],
    ]),
    section(`*Cancelling:* ${CANCEL_RULE}`),
    context(
      'Groups are read from Slack user groups and cached for a minute. Roles and approvers come from the catalog.',
    ),
  ]);
}
