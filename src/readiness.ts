import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { KubeClusters } from './adapters/kube.ts';
import { RdsError, type RdsGateway } from './adapters/rds.ts';
import { pingWithin, redisShown } from './adapters/redis.ts';
import { probeSlack } from './adapters/slack-startup.ts';
import type { Readiness } from './bot/http-server.ts';
import type { Env } from './config/env.ts';
import type { Catalog } from './core/catalog.ts';
import { beforeDeadline } from './core/deadline.ts';

// What /readyz asks. Only the catalog, Redis and PostgreSQL decide 200 or 503 (decision 0024): Slack
// and the clusters are named when down, but no other replica would reach them better, and taking
// every bot out of the Service would add an outage to the one already happening.
export type ReadinessDeps = {
  env: Env;
  redis: Redis;
  pool: pg.Pool;
  kube: KubeClusters;
  rds: RdsGateway;
  catalog: Catalog;
};

const REQUIRED = new Set(['catalog', 'redis', 'postgres']);
// Probes of outside services are reused this long, so kubelet probes every few seconds cost Slack's
// rate limit and the API servers one request per replica per half minute.
const PROBE_CACHE_MS = 30_000;

function outcomeOf(probe: Promise<unknown>, where?: string): Promise<string> {
  return probe.then(
    () => 'ok',
    (error: unknown) => `unreachable: ${(error as Error).message}${where ? ` (${where})` : ''}`,
  );
}

function cached(probe: () => Promise<string>): () => Promise<string> {
  let last: { at: number; outcome: Promise<string> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > PROBE_CACHE_MS) last = { at: Date.now(), outcome: probe() };
    return last.outcome;
  };
}

// One GET of a deployment the catalog puts in that context: a call the bot's Role already allows
// (a 404 still proves the API server answers).
async function probeContext(deps: ReadinessDeps, context: string): Promise<string> {
  const { catalog, kube } = deps;
  if (!kube.contexts().includes(context)) return 'missing from the kubeconfig';
  const environments = Object.entries(catalog.environments).filter(
    ([, environment]) => environment.context === context,
  );
  const service = Object.values(catalog.services).find((candidate) =>
    environments.some(([name]) => candidate.environments.includes(name)),
  );
  if (!service) return 'ok';
  const read = kube.cluster(context).readDeployment(service.namespace, service.deployment);
  return outcomeOf(beforeDeadline(read, 2_000, () => new Error('no answer from the API server within 2000 ms')));
}

// RDS credentials expire and roles get detached without anything else noticing until a backup fails.
// One describe of a database the catalog names in that region: a call the generated IAM policy allows.
async function probeRegion(deps: ReadinessDeps, region: string): Promise<string> {
  const database = Object.values(deps.catalog.databases).find(
    (candidate) => candidate.engine !== 'postgres' && candidate.region === region,
  );
  if (!database || database.engine === 'postgres') return 'ok';
  const read = deps.rds.resource(region, database.engine, database.identifier);
  try {
    const found = await beforeDeadline(read, 2_000, () => new Error('no answer from RDS within 2000 ms'));
    return found ? 'ok' : `answers, but ${database.identifier} does not exist`;
  } catch (error) {
    const refused = error instanceof RdsError && /Token|Signature|AccessDenied|Credential/i.test(error.code);
    return `${refused ? 'credentials refused' : 'unreachable'}: ${(error as Error).message}`;
  }
}

function rdsRegions(catalog: Catalog): string[] {
  const regions = Object.values(catalog.databases).flatMap((database) =>
    database.engine === 'postgres' ? [] : [database.region],
  );
  return [...new Set(regions)];
}

// One cached probe per key (a context, a region), made the first time the key is asked for.
function cachedPer(probe: (key: string) => Promise<string>): (key: string) => Promise<string> {
  const probes = new Map<string, () => Promise<string>>();
  return (key) => {
    let cachedProbe = probes.get(key);
    if (!cachedProbe) {
      cachedProbe = cached(() => probe(key));
      probes.set(key, cachedProbe);
    }
    return cachedProbe();
  };
}

// `deps` is read at every call: a SIGHUP reload changes the catalog and so the contexts probed.
export function readinessOf(deps: ReadinessDeps): Readiness {
  const { env } = deps;
  // Which Redis (one server, or the sentinels and master name), so a failing probe says where it looked.
  const redisWhere = redisShown({ url: env.REDIS_URL });
  const slack = cached(() =>
    probeSlack(env.SLACK_API_URL, env.SLACK_BOT_TOKEN, 1_000).then((probe) =>
      probe.ok ? 'ok' : `unreachable: ${probe.reason}`,
    ),
  );
  const contextCheck = cachedPer((context) => probeContext(deps, context));
  const regionCheck = cachedPer((region) => probeRegion(deps, region));
  return async () => {
    const named = [...new Set(Object.values(deps.catalog.environments).map((environment) => environment.context))];
    const awsRegions = rdsRegions(deps.catalog);
    const [redis, postgres, slackOutcome, clusters, databases] = await Promise.all([
      outcomeOf(pingWithin(deps.redis, 1_000), redisWhere),
      outcomeOf(deps.pool.query('SELECT 1')),
      slack(),
      Promise.all(named.map(contextCheck)),
      Promise.all(awsRegions.map(regionCheck)),
    ]);
    const checks: Record<string, string> = { catalog: 'ok', redis, postgres, slack: slackOutcome };
    named.forEach((context, index) => (checks[`kubernetes:${context}`] = clusters[index]!));
    awsRegions.forEach((region, index) => (checks[`rds:${region}`] = databases[index]!));
    const ready = Object.entries(checks).every(([name, check]) => !REQUIRED.has(name) || check === 'ok');
    return { ready, checks };
  };
}
