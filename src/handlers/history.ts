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
export async function deployHistory(deps: HandlerDeps, request: HistoryRequest, deadline: AckDeadline) {
  const target = serviceTarget(deps.catalog, request.service, request.env);
  const { service } = target;
  const cluster = deps.kube.cluster(target.env.context);
  const name = service.strategy === 'bluegreen' ? await liveColour(cluster, service, deadline) : service.deployment;
  const read = ledgerPage(deps, { service: request.service, env: request.env, deployment: name });
  const ledger = withinBudget(read, deadline.share());
  const { current, sets } = await readHistory(cluster, service.namespace, name, request.env, deadline);
  const releases = await ledger;
  const held = sets.map((set) => heldSet(set, service.container));
  const history = joinHistory({
    releases,
    sets: held,
    live: held.find((set) => set.revision === current.revision),
    deployment: name,
    createdAt: current.created,
    complete: releases !== undefined && releases.length < LEDGER_PAGE,
    limit: request.limit,
  });
  return historyView({
    service: request.service,
    env: request.env,
    history,
    held: sets.length,
    created: current.created,
    gaps: { ledgerMissing: releases === undefined },
    now: deps.now(),
  });
}

// Unreadable and late are the same to the answer: who and why are unknown.
async function ledgerPage(
  deps: HandlerDeps,
  target: { service: string; env: string; deployment: string },
): Promise<Release[] | undefined> {
  try {
    return await deps.releases.ofDeployment(target, LEDGER_PAGE);
  } catch (error) {
    deps.logger.warn({ err: error }, 'could not read the release ledger for /deploy history');
    return undefined;
  }
}

function heldSet(set: ReplicaSetState, container: string): HistorySet {
  const image = set.containers.find((candidate) => candidate.name === container)?.image ?? '?';
  return { uid: set.uid, hash: set.hash, revision: set.revision, version: tagOf(image), created: set.created };
}

async function readHistory(cluster: Cluster, namespace: string, name: string, env: string, deadline: AckDeadline) {
  const read = async () => {
    const current = await cluster.readDeployment(namespace, name);
    if (!current)
      throw new UserError(`The Deployment ${namespace}/${name} does not exist in ${env}.`, {
        code: 'deployment_missing',
      });
    return { current, sets: await cluster.replicaSets(current) };
  };
  const found = await withinBudget(
    read().catch((error: unknown) => {
      throw explainKube(error, `read the history of ${namespace}/${name}`);
    }),
    deadline.share(),
  );
  if (!found)
    throw new UserError(`The ${env} cluster did not answer in time (Slack allows 3 s); try again in a moment.`, {
      hint: 'The release ledger alone answers `/ops history` without the cluster.',
      code: 'kube_slow',
    });
  return found;
}

async function liveColour(cluster: Cluster, service: CatalogService, deadline: AckDeadline): Promise<string> {
  const base = service.deployment;
  const read = cluster.readService(service.namespace, service.service ?? base);
  const svc = await withinBudget(read, deadline.share());
  const colour = svc ? Object.values(svc.selector).find((value) => value === 'blue' || value === 'green') : undefined;
  return colour ? `${base}-${colour}` : `${base}-blue`;
}
