import type { RecordedCall } from '../src/sandbox/slack/surface.ts';
import { eventually } from '../test/support/eventually.ts';
import { startStack, type Stack } from '../test/support/stack.ts';
import { report } from './lib/results.ts';
import { round, summarize } from './lib/stats.ts';

// ledger: the release ledger's read paths with a full ledger — 100,000 rows over 200 services in two
// environments, spread over 90 days — measured from the signed slash command leaving the sender to
// the reply reaching the Slack simulator (the HTTP answer, a response_url post or an ephemeral):
// `/deploy history <service> production`, `/ops stats --since 90d`, and `/rollback <service> production`
// up to its plan posted as the approval request. Ten services are deployed for real (their ReplicaSets
// live in the simulated cluster); the rest of the ledger is written by SQL, so history and the
// rollback chooser join real ReplicaSets against a table of realistic size.
const ROWS = Number(process.env.BENCH_LEDGER_ROWS ?? 100_000);
const SERVICES = 200;
const MEASURED = 10;
const SAMPLES = Number(process.env.BENCH_LEDGER_SAMPLES ?? 200);
const WARMUP = 10;

const names = Array.from({ length: SERVICES }, (_, index) => `svc${String(index).padStart(3, '0')}`);

function catalog(): string {
  const services = names
    .map(
      (name) =>
        `  ${name}: { namespace: shop, deployment: ${name}, container: app, image: registry.example.com/shop/${name}, environments: [staging, production], autoRollback: false }`,
    )
    .join('\n');
  return `environments:
  staging:
    context: staging
    approval: none
  production:
    context: prod
    approval: none
    rollbackApproval: { approvers: ["@sre-leads"], required: 1, expires: 15m }
services:
${services}
roles:
  deploy: ["@engineers"]
  rollback: ["@engineers"]
  admin: ["@sre-leads"]
`;
}

async function idle(stack: Stack): Promise<void> {
  await eventually(
    async () => {
      for (const kind of ['plan', 'deploy', 'rollback'] as const)
        if ((await stack.bot.queues.queue(kind).getActiveCount()) > 0) throw new Error('busy');
    },
    { timeoutMs: 30_000 },
  );
}

// Three real releases of each measured service in production, so the cluster holds ReplicaSets the
// ledger knows and `/rollback` has a last good release to go to.
async function deployMeasured(stack: Stack): Promise<void> {
  for (const name of names.slice(0, MEASURED)) {
    stack.kube.prod.addDeployment({
      namespace: 'shop',
      name,
      container: 'app',
      image: `registry.example.com/shop/${name}:1.0.0`,
      replicas: 2,
    });
    for (const version of ['1.0.1', '1.0.2', '1.0.3']) {
      await stack.slack.command('bob', `/deploy ${name} ${version} to production`);
      await eventually(
        async () => {
          const { rows } = await stack.bot.pool.query(
            `SELECT outcome FROM releases WHERE service = $1 AND version = $2 AND outcome IS NOT NULL`,
            [name, version],
          );
          if (rows.length === 0) throw new Error(`${name} ${version} not finished`);
        },
        { timeoutMs: 30_000 },
      );
      await idle(stack);
    }
  }
}

// The rest of the ledger, older than the real releases: outcomes in roughly the proportions of a busy
// organisation (mostly succeeded, some failed, rolled back or cancelled), none of them in the cluster.
async function seed(stack: Stack): Promise<void> {
  await stack.bot.pool.query(
    `INSERT INTO releases (kind, service, env, context, namespace, deployment, rs_uid, template_hash, revision, image,
       digest, version, strategy, requester, approvers, reason, job_id, requested_at, started_at, finished_at, outcome)
     SELECT CASE WHEN i % 25 = 0 THEN 'rollback' ELSE 'deploy' END,
            'svc' || lpad((i % ${SERVICES})::text, 3, '0'),
            CASE WHEN (i / ${SERVICES}) % 3 = 0 THEN 'staging' ELSE 'production' END,
            CASE WHEN (i / ${SERVICES}) % 3 = 0 THEN 'staging' ELSE 'prod' END,
            'shop', 'svc' || lpad((i % ${SERVICES})::text, 3, '0'),
            'seed-uid-' || i, md5(i::text), i / ${SERVICES},
            'registry.example.com/shop/svc:0.' || i, 'sha256:' || md5(i::text) || md5(i::text), '0.' || i,
            'rolling', 'U0BOB00002', ARRAY['U0CAROL003'], 'seeded', 'seed-' || i,
            now() - interval '1 hour' - (i * interval '77 seconds') - interval '9 minutes',
            now() - interval '1 hour' - (i * interval '77 seconds') - interval '4 minutes',
            now() - interval '1 hour' - (i * interval '77 seconds'),
            CASE WHEN pick = 1 THEN 'failed' WHEN pick = 2 THEN 'rolled_back_auto'
                 WHEN pick = 3 THEN 'rolled_back' WHEN pick = 4 THEN 'cancelled'
                 WHEN pick = 5 THEN 'refused' ELSE 'succeeded' END
       FROM generate_series(1, $1::int) AS i, LATERAL (SELECT (i / ${SERVICES} + i) % 50 AS pick) AS spread`,
    [ROWS - MEASURED * 3],
  );
  await stack.bot.pool.query('ANALYZE releases');
}

function replyAfter(stack: Stack, from: number, matches: (call: RecordedCall) => boolean): Promise<RecordedCall> {
  return eventually(
    () => {
      const found = stack.sim.calls.slice(from).find((call) => call.ok && matches(call));
      if (!found) throw new Error('no reply yet');
      return found;
    },
    { timeoutMs: 10_000, intervalMs: 1 },
  );
}

const toBob = (stack: Stack) => (call: RecordedCall) =>
  (call.method === 'response_url' || call.method === 'chat.postEphemeral') &&
  call.args.user === stack.slack.user('bob').id;

// Command sent → reply: in the HTTP answer when the bot answered there, else its first private reply.
// A reply without `mustSay` (a refusal, an error) is counted as an error, not as a fast answer.
async function timeReply(
  stack: Stack,
  line: string,
  matches: (call: RecordedCall) => boolean,
  mustSay: string,
): Promise<number> {
  const from = stack.sim.calls.length;
  const sent = Date.now();
  const answer = await stack.slack.command('bob', line);
  if (answer.status !== 200) throw new Error(`${line}: HTTP ${answer.status}`);
  const answered = typeof answer.json?.text === 'string' || Array.isArray(answer.json?.blocks);
  const took = answered ? Date.now() - sent : undefined;
  const said = answered ? JSON.stringify(answer.json) : JSON.stringify((await replyAfter(stack, from, matches)).args);
  if (!said.includes(mustSay)) throw new Error(`${line}: answered ${said.slice(0, 300)}`);
  return took ?? (await replyAfter(stack, from, matches)).at - sent;
}

async function measure(label: string, samples: number, run: (index: number) => Promise<number>) {
  const latencies: number[] = [];
  let errors = 0;
  for (let index = 0; index < samples + WARMUP; index += 1) {
    try {
      const took = await run(index);
      if (index >= WARMUP) latencies.push(took);
    } catch (error) {
      errors += 1;
      process.stderr.write(`ledger bench ${label} ${index}: ${(error as Error).message}\n`);
    }
  }
  return { stats: summarize(latencies), errors };
}

export async function ledgerBenchmark(): Promise<void> {
  const stack = await startStack({ catalogYaml: catalog(), env: { LOG_LEVEL: 'warn' } });
  try {
    stack.kube.prod.controller.setTiming({ podReadyMs: 1 });
    await deployMeasured(stack);
    await seed(stack);
    const measuredName = (index: number) => names[index % MEASURED]!;
    const history = await measure('history', SAMPLES, (index) =>
      timeReply(stack, `/deploy history ${measuredName(index)} production`, toBob(stack), '1.0.3'),
    );
    const stats = await measure('stats', SAMPLES, () =>
      timeReply(stack, '/ops stats --since 90d', toBob(stack), 'Change failure rate'),
    );
    // Each /rollback supersedes the request before it: the plan is made and posted every time, nothing runs.
    const rollback = await measure('rollback', SAMPLES, (index) =>
      timeReply(
        stack,
        `/rollback ${measuredName(index)} production`,
        (call) =>
          call.method === 'chat.postMessage' &&
          String(call.args.text ?? '').startsWith(`:lock: roll back ${measuredName(index)}`),
        '1.0.2',
      ),
    );
    const { rows } = await stack.bot.pool.query<{ count: string }>('SELECT count(*) FROM releases');
    await report(
      'ledger',
      {
        history_p50_ms: round(history.stats.p50),
        history_p99_ms: round(history.stats.p99),
        stats_p50_ms: round(stats.stats.p50),
        stats_p99_ms: round(stats.stats.p99),
        rollback_plan_p50_ms: round(rollback.stats.p50),
        rollback_plan_p99_ms: round(rollback.stats.p99),
        ledger_rows: Number(rows[0]!.count),
        samples_each: SAMPLES,
        errors: history.errors + stats.errors + rollback.errors,
      },
      {
        measured:
          'signed slash command sent → its reply at the Slack simulator (history, stats) or the plan posted as the approval request (rollback); in-process bot, real Redis and PostgreSQL',
        ledger: `${ROWS} rows over ${SERVICES} services × 2 environments across 90 days; ${MEASURED} services deployed for real`,
      },
    );
  } finally {
    await stack.close();
  }
}
