import { TcpProxy } from '../../test/support/tcp-proxy.ts';
import { databaseUrl } from '../../test/support/services.ts';
import { BENCH_SECRET, Fleet } from '../lib/fleet.ts';
import { openLoop, slashCommandBody } from '../lib/load.ts';
import { round, summarize } from '../lib/stats.ts';
import { env, type ScenarioResult } from './scenario.ts';

const REQUESTS = env('BENCH_FAULTS_PG_REQUESTS', 40);
const RATE = env('BENCH_FAULTS_PG_RATE', 4);
const SLOW_CLUSTER_MS = env('BENCH_FAULTS_SLOW_CLUSTER_MS', 2_000);
const REFUSAL = 'cannot write its audit log';

// ack_p99_ms_pg_blackholed_slow_cluster: PostgreSQL reached through a TCP proxy that swallows
// everything (a hanging database: only timeouts notice), the production cluster answering after
// 2 s (past pre-flight's 1.5 s budget). Production deploys, one per service (a second change of the
// same target would be refused early as "being planned"): each must get the audit refusal within
// Slack's 3 s, timed to the end of the ack body.
export async function pgBlackholed(): Promise<ScenarioResult> {
  const services = Array.from({ length: REQUESTS }, (_, index) => `svc-${index}`);
  const fleet = await Fleet.start({ services });
  const proxy = new TcpProxy({ host: '127.0.0.1', port: 5432 });
  const answers = { refusal: 0, other: [] as string[] };
  let latencies: number[] = [];
  let errors = 0;
  try {
    const port = await proxy.start();
    const viaProxy = new URL(databaseUrl(fleet.database));
    viaProxy.port = String(port);
    const [bot] = await fleet.spawn(['bot'], { DATABASE_URL: viaProxy.toString() });
    // One ordinary request first: connections, JIT and the directory's cache as in steady state.
    await openLoop(bot!.url, BENCH_SECRET, 1, 1_000, () => slashCommandBody('/ops', 'help'));
    proxy.blackhole();
    await fleet.control('kube', 'slow', { context: 'prod', ms: SLOW_CLUSTER_MS });
    const run = await openLoop(
      bot!.url,
      BENCH_SECRET,
      RATE,
      (REQUESTS / RATE) * 1000,
      (index) => slashCommandBody('/deploy', `svc-${index} 2.0.${index} to production --reason "bench"`),
      (status, text) => {
        if (status === 200 && text.includes(REFUSAL)) answers.refusal += 1;
        else if (answers.other.length < 5) answers.other.push(`${status} ${text.slice(0, 160)}`);
      },
    );
    latencies = run.latencies;
    errors = run.errors;
    if (bot!.crashed) answers.other.push('the bot process crashed');
  } finally {
    await proxy.stop();
    await fleet.stop();
  }
  const stats = summarize(latencies);
  return {
    figures: {
      ack_p99_ms_pg_blackholed_slow_cluster: round(stats.p99),
      ack_max_ms_pg_blackholed_slow_cluster: round(stats.max),
      pg_blackholed_not_refused: REQUESTS - answers.refusal,
    },
    notes: {
      pg_blackholed_setup: `${REQUESTS} production /deploy commands at ${RATE}/s to one ROLE=bot process; PostgreSQL black-holed through a TCP proxy, the prod cluster answering after ${SLOW_CLUSTER_MS} ms; timed to the end of the ack body; every answer must be the audit refusal`,
      pg_blackholed_p50_ms: round(stats.p50),
      pg_blackholed_errors: errors,
      ...(answers.other.length > 0 ? { pg_blackholed_other_answers: answers.other.join(' | ') } : {}),
    },
  };
}
