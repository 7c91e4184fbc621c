import { describePolicy, type ApprovalRequest } from '../../core/approval.ts';
import type { IncidentRecord } from '../../core/incident-record.ts';
import type { JobSummary } from '../../core/job-summary.ts';
import { esc } from '../../core/mrkdwn.ts';
import { planSummary, type Plan } from '../../core/plan.ts';
import { utcTime } from '../../core/policy.ts';
import { APPROVE, CANCEL, REJECT } from './approval.ts';
import { actions, code, context, divider, header, section, type Block } from './blocks.ts';
import { freezeView, type FreezeState } from './freeze.ts';
import { recentJobsView } from './jobs.ts';

// One request as Home lists it (with a link to its message in the channel, when known).
export type HomeRequest = {
  request: ApprovalRequest;
  plan: Plan;
  channel: string;
  permalink: string | undefined;
};

export type HomeState = {
  userId: string;
  // Only requests this person's Approve would count on (jobs/home.ts asks the pure decision).
  toDecide: HomeRequest[];
  mine: HomeRequest[];
  decidedLately: HomeRequest[];
  jobs: JobSummary[];
  incidents: IncidentRecord[];
  freezes: FreezeState[];
  now: Date;
};

// Slack allows 100 blocks in a Home tab; each list is capped well below that.
const LIST_MAX = 10;

function where(item: HomeRequest): string {
  // A link's label cannot hold a channel mention: the permalink is its own link beside it.
  return item.permalink ? `in <#${item.channel}> (<${item.permalink}|the request>)` : `in <#${item.channel}>`;
}

function requestLine(item: HomeRequest, lead: string): string {
  const { request, plan } = item;
  return `${lead} ${code(planSummary(plan))} ${where(item)}\n${describePolicy(request.policy, utcTime)}`;
}

function toDecideBlocks(items: HomeRequest[]): Block[] {
  if (items.length === 0) return [section('_Nothing is waiting for your approval._')];
  return items.slice(0, LIST_MAX).flatMap((item) => [
    section(requestLine(item, `:lock: <@${item.request.requester}> asks:`)),
    // The channel's action ids and values: a press here is the same decision as a press there.
    actions(`home-approval:${item.request.id}`, [
      { actionId: APPROVE, text: 'Approve', value: item.request.id, style: 'primary' },
      { actionId: REJECT, text: 'Reject', value: item.request.id, style: 'danger' },
    ]),
  ]);
}

function mineBlocks(items: HomeRequest[]): Block[] {
  if (items.length === 0) return [section('_You have no requests waiting._')];
  return items
    .slice(0, LIST_MAX)
    .flatMap((item) => [
      section(requestLine(item, ':hourglass_flowing_sand:')),
      actions(`home-own:${item.request.id}`, [{ actionId: CANCEL, text: 'Cancel request', value: item.request.id }]),
    ]);
}

function decidedLine(item: HomeRequest): string {
  const by = item.request.decidedBy ? ` by <@${item.request.decidedBy}>` : '';
  return `• ${item.request.status}${by}: ${code(planSummary(item.plan))} ${where(item)}`;
}

function incidentLine(incident: IncidentRecord): string {
  const room = incident.channelId ? ` in <#${incident.channelId}>` : '';
  return `• *${incident.severity}* ${esc(incident.title)} (${incident.status})${room}`;
}

export function homeBlocks(state: HomeState): Block[] {
  const blocks: Block[] = [header('Waiting for your approval'), ...toDecideBlocks(state.toDecide)];
  if (state.decidedLately.length > 0)
    blocks.push(context(state.decidedLately.slice(0, LIST_MAX).map(decidedLine).join('\n')));
  blocks.push(divider(), header('Your requests'), ...mineBlocks(state.mine));
  blocks.push(divider(), recentJobsView(state.jobs.slice(0, LIST_MAX), state.now).blocks[0]!);
  const incidents = state.incidents.slice(0, LIST_MAX).map(incidentLine);
  blocks.push(divider(), section(`*Open incidents*\n${incidents.join('\n') || '_None._'}`));
  blocks.push(divider(), ...freezeView(state.freezes).blocks);
  blocks.push(context(`Updated ${utcTime(state.now)}. Buttons here act exactly as the ones in the channel.`));
  return blocks;
}
