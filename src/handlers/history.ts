import { historyView } from '../bot/views/history.ts';
import type { DeployRequest } from '../core/grammar/commands.ts';
import type { CatalogService } from '../core/catalog.ts';
import { deployHistory as joinHistory, type HistorySet } from '../core/deploy-history.ts';
import { tagOf } from '../core/plan.ts';
import type { Release } from '../core/release.ts';
import { serviceTarget } from '../core/targets.ts';
import { UserError } from '../core/user-error.ts';
import type { ReplicaSetState } from '../adapters/kube.ts';
import { explainKube } from '../jobs/kube-errors.ts';
import { withinBudget, type AckDeadline } from './budget.ts';
import type { HandlerDeps } from './deps.ts';

type HistoryRequest = Extract<DeployRequest, { sub: 'history' }>;
type Cluster = ReturnType<HandlerDeps['kube']['cluster']>;

// The newest releases read from the ledger: well above the 50 lines `--limit` allows, and above the
// ReplicaSets a Deployment keeps (revisionHistoryLimit, 10 by default), so each held one's newest row
// is in the page; bounded, so a long-lived service costs what a new one does.
const LEDGER_PAGE = 100;

// The cluster's ReplicaSets joined by identity to the release ledger (core/deploy-history.ts). Both
// are read side by side within the ack deadline: without the cluster there is nothing to join, so
// that is a refusal; without the ledger the cluster's ReplicaSets are listed with who and why unknown.
// Blue-green releases alternate between the colours' Deployments, so both are read.
export async function deployHistory(deps: HandlerDeps, request: HistoryRequest, deadline: AckDeadline) {
  const target = serviceTarget(deps.catalog, request.service, request.env);
  const { service } = target;
  const cluster = deps.kube.cluster(target.env.context);
  const names = service.strategy === 'bluegreen' ? colours(service) : [service.deployment];
  const page = ledgerPage(deps, { service: request.service, env: request.env, deployments: names });
  const ledger = withinBudget(page, deadline.share());
  const name =
    service.strategy === 'bluegreen' ? await liveColour(cluster, service, request.env, deadline) : service.deployment;
  const idleName = names.find((candidate) => candidate !== name);
  const idle = idleName ? withinBudget(readIdle(cluster, service.namespace, idleName), deadline.share()) : undefined;
  const { current, sets } = await readHistory(cluster, service.namespace, name, request.env, deadline);
  const other: IdleRead | undefined = idleName ? ((await idle) ?? { state: 'unread', name: idleName }) : undefined;
  const releases = await ledger;
  const idleSets = other?.state === 'read' ? other.sets : [];
  const held = [...sets, ...idleSets].map((set) => heldSet(set, service));
  const deployments = [{ name, createdAt: current.created }];
  if (other?.state === 'read') deployments.push({ name: other.name, createdAt: other.created });
  const history = joinHistory({
    releases,
    sets: held,
    live: held.find((set) => set.deployment === name && set.revision === current.revision),
    deployments,
    complete: releases !== undefined && releases.length < LEDGER_PAGE,
    limit: request.limit,
  });
  return historyView({
    service: request.service,
    env: request.env,
    history,
    held: held.length,
    created: current.created,
    gaps: { ledgerMissing: releases === undefined, ...(other?.state === 'unread' ? { unread: other.name } : {}) },
    colours: service.strategy === 'bluegreen',
    now: deps.now(),
  });
}

// Unreadable and late are the same to the answer: who and why are unknown.
async function ledgerPage(
  deps: HandlerDeps,
  target: { service: string; env: string; deployments: string[] },
): Promise<Release[] | undefined> {
  try {
    return await deps.releases.ofDeployments(target, LEDGER_PAGE);
  } catch (error) {
    deps.logger.warn({ err: error }, 'could not read the release ledger for /deploy history');
    return undefined;
  }
}

function heldSet(set: ReplicaSetState & { deployment: string }, service: CatalogService): HistorySet {
  const image = set.containers.find((candidate) => candidate.name === service.container)?.image ?? '?';
  const { uid, hash, revision, created, deployment } = set;
  return { uid, hash, revision, version: tagOf(image), created, deployment };
}

function colours(service: CatalogService): string[] {
  return [`${service.deployment}-blue`, `${service.deployment}-green`];
}

// The colour not serving: best effort (its releases are left out, and the answer says so, when it
// does not answer in time); a colour that does not exist has no ReplicaSets.
type IdleRead =
  | { state: 'read'; name: string; created: Date | undefined; sets: (ReplicaSetState & { deployment: string })[] }
  | { state: 'unread'; name: string };

async function readIdle(cluster: Cluster, namespace: string, name: string): Promise<IdleRead> {
  try {
    const deployment = await cluster.readDeployment(namespace, name);
    const sets = deployment ? await cluster.replicaSets(deployment) : [];
    const created = deployment?.created;
    return { state: 'read', name, created, sets: sets.map((set) => ({ ...set, deployment: name })) };
  } catch {
    return { state: 'unread', name };
  }
}

async function readHistory(cluster: Cluster, namespace: string, name: string, env: string, deadline: AckDeadline) {
  const read = async () => {
    const current = await cluster.readDeployment(namespace, name);
    if (!current)
      throw new UserError(`The Deployment ${namespace}/${name} does not exist in ${env}.`, {
        code: 'deployment_missing',
      });
    const sets = await cluster.replicaSets(current);
    return { current, sets: sets.map((set) => ({ ...set, deployment: name })) };
  };
  const found = await withinBudget(
    read().catch((error: unknown) => {
      throw explainKube(error, `read the history of ${namespace}/${name}`);
    }),
    deadline.share(),
  );
  if (!found) throw tooSlow(env);
  return found;
}

function tooSlow(env: string): UserError {
  return new UserError(`The ${env} cluster did not answer in time (Slack allows 3 s); try again in a moment.`, {
    hint: 'The release ledger alone answers `/ops history` without the cluster.',
    code: 'kube_slow',
  });
}

// The colour the Service selects; blue when it selects none (before the first blue-green deploy). A
// Service that does not answer is not taken for blue: which line is live would be a guess.
async function liveColour(cluster: Cluster, service: CatalogService, env: string, deadline: AckDeadline) {
  const base = service.deployment;
  const name = service.service ?? base;
  const read = cluster
    .readService(service.namespace, name)
    .then((svc) => ({ svc }))
    .catch((error: unknown) => {
      throw explainKube(error, `read the Service ${service.namespace}/${name}`);
    });
  const found = await withinBudget(read, deadline.share());
  if (!found) throw tooSlow(env);
  const colour = found.svc
    ? Object.values(found.svc.selector).find((value) => value === 'blue' || value === 'green')
    : undefined;
  return colour ? `${base}-${colour}` : `${base}-blue`;
}
