import type { ApprovalRecord, ApprovalStore } from '../adapters/approval-store.ts';
import type { HomeOpeners } from '../adapters/home-openers.ts';
import type { IncidentStore } from '../adapters/incident-store.ts';
import type { SlackDirectory } from '../adapters/slack-directory.ts';
import type { SlackGateway } from '../adapters/slack.ts';
import { homeBlocks, type HomeRequest } from '../bot/views/home.ts';
import { decide } from '../core/approval.ts';
import type { Catalog } from '../core/catalog.ts';
import { activeFreeze, upcomingFreezes } from '../core/freeze.ts';
import { groupHandles } from '../core/people.ts';
import type { JobQueues } from './queues.ts';

// App Home: what a person has to decide, what they asked for, their jobs, open incidents and freezes,
// published with views.publish when they open the tab and again when any of it changes (decision 0035).
export type HomeDeps = {
  catalog: Catalog;
  approvals: ApprovalStore;
  directory: SlackDirectory;
  incidents: IncidentStore;
  queues: JobQueues;
  slack: SlackGateway;
  homes: HomeOpeners;
  now: () => Date;
};

const DECIDED_LATELY_MS = 86_400_000;

// Would this person's Approve be accepted now? The same pure decision the buttons and reactions go
// through, run without storing anything: buttons are shown exactly where a press could count.
async function mayApprove(deps: HomeDeps, record: ApprovalRecord, userId: string, at: Date): Promise<boolean> {
  if (record.request.requester === userId) return false;
  const people = [
    ...(record.request.policy.normal?.approvers ?? []),
    ...(record.request.policy.breakGlass?.approvers ?? []),
  ];
  const actor = await deps.directory.identify(userId, groupHandles(people));
  return decide(record.request, { type: 'approve', actor, via: 'button', at }).answer.accepted;
}

function listed(record: ApprovalRecord): HomeRequest {
  const { request, plan, channel, permalink } = record;
  return { request, plan, channel, permalink };
}

function tookPart(record: ApprovalRecord, userId: string): boolean {
  const { request } = record;
  return (
    request.requester === userId ||
    request.decidedBy === userId ||
    request.approvals.some((approval) => approval.userId === userId)
  );
}

async function requestsOf(deps: HomeDeps, userId: string, now: Date) {
  const [pending, decided] = await Promise.all([
    deps.approvals.pending(now),
    deps.approvals.decidedSince(new Date(now.getTime() - DECIDED_LATELY_MS)),
  ]);
  const verdicts = await Promise.all(pending.map((record) => mayApprove(deps, record, userId, now)));
  return {
    toDecide: pending.filter((_record, index) => verdicts[index]).map(listed),
    mine: pending.filter((record) => record.request.requester === userId).map(listed),
    decidedLately: decided.filter((record) => tookPart(record, userId)).map(listed),
  };
}

function freezesNow(catalog: Catalog, now: Date) {
  return Object.entries(catalog.environments).map(([env, environment]) => ({
    env,
    active: activeFreeze(environment.freeze, now),
    next: upcomingFreezes(environment.freeze, now, 1),
    breakGlass: environment.breakGlass !== undefined,
  }));
}

export async function publishHome(deps: HomeDeps, userId: string): Promise<void> {
  const now = deps.now();
  const [requests, jobs, incidents] = await Promise.all([
    requestsOf(deps, userId, now),
    deps.queues.recentFor(userId, 5),
    deps.incidents.open(10),
  ]);
  const blocks = homeBlocks({ userId, ...requests, jobs, incidents, freezes: freezesNow(deps.catalog, now), now });
  await deps.slack.publishHome(userId, blocks);
}
