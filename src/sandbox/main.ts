import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CatalogError, loadCatalog } from '../config/catalog-load.ts';
import { EnvError, parseEnv, type Env } from '../config/env.ts';
import { ClockTimeError, OffsetClock, parseClockTime } from '../core/clock.ts';
import { startOpsBot } from '../start.ts';
import { failTaggedImages, failingTagsHelp } from './failing-tags.ts';
import { startDatabases, type SandboxDatabases as Databases } from './databases.ts';
import { wipeSandboxState } from './fresh-start.ts';
import { adoptSandboxDumps } from './adopt-dumps.ts';
import { jobStateReader } from './job-state.ts';
import { kubeconfigFor } from './kube/kubeconfig.ts';
import { KubeSimulator } from './kube/simulator.ts';
import { SlackSimulator } from './slack/simulator.ts';
import { ConsoleServer } from './console/server.ts';
import { playScenes } from './scenes/setup.ts';
import { PagingSimulator } from './paging/simulator.ts';

// The example catalog pages P0/P1 with env:PAGERDUTY_ROUTING_KEY; the sandbox's simulator takes any
// 32-character key, so this one stands in unless the caller set their own.
const SANDBOX_ROUTING_KEY = 'sandboxroutingkey000000000000000';

// `npm run sandbox`: the Slack simulator and the real bot (bot + worker) wired together on
// loopback, with the example catalog and local Redis/PostgreSQL. No Slack workspace, no cluster.
const SIGNING_SECRET = 'sandbox-signing-secret';
// SANDBOX_DIR keeps a second sandbox (the test suite's) from touching the first one's files.
const DIR = process.env.SANDBOX_DIR ?? '.sandbox';
const STATE_FILE = `${DIR}/state.json`;

// The example catalog's services, running in two simulated clusters (contexts staging and prod).
async function startClusters(): Promise<{ clusters: KubeSimulator[]; kubeconfig: string }> {
  const contexts = ['staging', 'prod'];
  // TLS, so kubectl (which sends a bearer token only over TLS) can look at them too.
  const clusters = contexts.map(() => new KubeSimulator({ podReadyMs: 1_500, secondMs: 1_000, tls: true }));
  await Promise.all(clusters.map((cluster) => cluster.start()));
  for (const cluster of clusters) {
    cluster.addDeployment({
      namespace: 'shop',
      name: 'checkout',
      container: 'app',
      image: 'registry.example.com/shop/checkout:1.4.1',
      replicas: 3,
    });
    cluster.addDeployment({
      namespace: 'shop',
      name: 'search',
      container: 'api',
      image: 'registry.example.com/shop/search:2.0.0',
      replicas: 4,
    });
    cluster.addDeployment({
      namespace: 'shop',
      name: 'storefront-blue',
      container: 'web',
      image: 'registry.example.com/shop/storefront:3.1.0',
      replicas: 2,
      labels: { app: 'storefront', colour: 'blue' },
    });
    cluster.addService('shop', 'storefront', { app: 'storefront', colour: 'blue' });
    failTaggedImages(cluster);
  }
  await mkdir(DIR, { recursive: true });
  const kubeconfig = `${DIR}/kubeconfig`;
  await writeFile(
    kubeconfig,
    kubeconfigFor(
      contexts.map((context, index) => {
        const cluster = clusters[index]!;
        return { context, server: cluster.url, token: cluster.token, ca: cluster.ca };
      }),
    ),
  );
  return { clusters, kubeconfig };
}

// `--at "2026-12-24 10:00 Europe/Berlin"`: the bot's clock starts there (and runs on); POST /_sim/clock moves it.
function sandboxClock(): OffsetClock {
  const clock = new OffsetClock();
  try {
    const { values } = parseArgs({ options: { at: { type: 'string' } } });
    const at = values.at === undefined ? undefined : parseClockTime(values.at);
    if (at) clock.setAt(at);
  } catch (error) {
    const why = error instanceof ClockTimeError ? `--at: ${error.message}` : messageOf(error);
    fail(`${why}\nnpm run sandbox takes one option: --at "2026-12-24 10:00 Europe/Berlin" (the bot's clock).`);
  }
  return clock;
}

async function main(): Promise<void> {
  const clock = sandboxClock();
  const sim = new SlackSimulator({ sandboxClock: clock });
  await sim.start(Number(process.env.SANDBOX_SLACK_PORT ?? 3101));
  // Their TLS certificates come from the openssl CLI: a missing one is named, not a stack trace.
  const { clusters, kubeconfig } = await startClusters().catch((error: unknown) =>
    fail(`The sandbox could not start its simulated clusters: ${messageOf(error)}`),
  );
  // The bot reads it as it would in production: KUBECONFIG and client-node's loadFromDefault.
  process.env.KUBECONFIG = kubeconfig;
  const databases = await prepareDatabases();
  const paging = new PagingSimulator();
  await paging.start(Number(process.env.SANDBOX_PAGING_PORT ?? 0));
  process.env.PAGERDUTY_ROUTING_KEY ??= SANDBOX_ROUTING_KEY;
  const env = sandboxEnv(sim, databases.catalogPath, paging.url);
  if (!process.env.REDIS_PREFIX && !process.env.DATABASE_URL) {
    // Unreachable services are reported when the bot starts, just below.
    await wipeSandboxState(env.REDIS_URL, env.REDIS_PREFIX, env.DATABASE_URL).catch(() => undefined);
  }
  const bot = await startBot(env, databases.gateway, clock);
  sim.connectBot(bot.url, SIGNING_SECRET);
  sim.jobState = jobStateReader(bot.queues);
  const production = (await loadCatalog(databases.catalogPath)).environments.production;
  playScenes(sim, { staging: clusters[0]!, prod: clusters[1]! }, production?.freeze ?? []);
  // After the wipe (and the bot's migrations): dumps taken by earlier sandboxes are listed again.
  const adoption = await adoptSandboxDumps(env.DATABASE_URL, databases.catalogPath, DIR);
  if (adoption.adopted.length > 0)
    process.stdout.write(`backups found again from their manifests on disk: ${adoption.adopted.join(', ')}\n`);
  for (const refused of adoption.refused) process.stderr.write(`not re-adopting ${refused.file}: ${refused.why}\n`);
  const page = new ConsoleServer(sim);
  await page.start(Number(process.env.SANDBOX_CONSOLE_PORT ?? 3100));
  await writeFile(STATE_FILE, JSON.stringify({ simulator: sim.url, bot: bot.url }, null, 2));
  process.stdout.write(
    banner({ bot: bot.url, sim: sim.url, rds: databases.rds.url, page: page.url, paging: paging.url }, clock),
  );
  const stop = async () => {
    await page.stop();
    await bot.close();
    await sim.stop();
    await Promise.all([...clusters.map((cluster) => cluster.stop()), databases.stop(), paging.stop()]);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

async function prepareDatabases(): Promise<Databases> {
  try {
    return await startDatabases({
      dir: DIR,
      exampleCatalog: 'config/catalog.example.yml',
      ledgerUrl: process.env.LEDGER_DATABASE_URL ?? 'postgres://127.0.0.1:5432/ledger_sandbox',
    });
  } catch (error) {
    const needs =
      'It needs PostgreSQL on 127.0.0.1:5432 (and pg_dump/pg_restore on PATH for the ledger); see README.md.';
    fail(`The sandbox could not prepare its databases: ${messageOf(error)}\n${needs}`);
  }
}

// The sandbox's defaults, then the caller's environment, then what must point at the simulators.
function sandboxEnv(sim: SlackSimulator, catalogPath: string, pagingUrl: string): Env {
  try {
    return parseEnv({
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: 'postgres://127.0.0.1:5432/opsbot_sandbox',
      REDIS_PREFIX: 'opsbot-sandbox',
      OPS_CATALOG: catalogPath,
      PORT: '3000',
      ...process.env,
      HOST: '127.0.0.1',
      SLACK_BOT_TOKEN: sim.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: sim.apiUrl,
      SLACK_APP_TOKEN: '',
      PAGERDUTY_EVENTS_URL: pagingUrl,
      ROLE: 'all',
    });
  } catch (error) {
    if (error instanceof EnvError) fail(error.message);
    throw error;
  }
}

async function startBot(env: Env, rds: Databases['gateway'], clock: OffsetClock) {
  try {
    return await startOpsBot({ env, rds, rdsPollMs: 500, now: clock.now, helpNotes: { deploy: failingTagsHelp() } });
  } catch (error) {
    if (error instanceof CatalogError) fail(error.message);
    const database = env.DATABASE_URL.replace(/\/[^/]*$/, '/…');
    const needs = `It needs Redis (${env.REDIS_URL}) and PostgreSQL (${database}) running locally; see README.md.`;
    fail(`The sandbox could not start the bot: ${messageOf(error)}\n${needs}`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function banner(
  urls: { bot: string; sim: string; rds: string; page: string; paging: string },
  clock: OffsetClock,
): string {
  const shifted =
    clock.offsetMs === 0
      ? ''
      : `  clock:            the bot's clock reads ${clock.now().toISOString()} (--clock now resets it)\n`;
  return `
ops-bot sandbox is running.
  Open the console:  ${urls.page}  (a Slack-like page: pick a person, type /ops help)

  bot:              ${urls.bot}  (/slack/events, /healthz, /readyz, /metrics)
  Slack simulator:  ${urls.sim}/api/  (people: alice, bob, carol, dave, erin, frank, guest)
  kubectl, aws:     KUBECONFIG=${DIR}/kubeconfig kubectl --context prod -n shop get deploy; RDS at ${urls.rds} (README)
  PagerDuty:        ${urls.paging}  (Events API v2; P0/P1 incidents page it)
${shifted}
Or, from another terminal:
  npm run slack -- --as alice "/ops help"
  npm run slack -- --as carol "/ops whoami"
  npm run slack -- --as alice "/ops status"
  npm run slack -- --as bob "/deploy checkout 1.4.2 to staging"
  npm run slack -- --as bob "/deploy checkout 1.4.2 to production --reason 'fix tax rounding'"
    then approve as two of carol, frank, alice (--click approval_approve --message <ts>)
  npm run slack -- --as carol "/backup ledger --reason 'before migration'"
  npm run slack -- --as carol "/backup list orders"
  npm run slack -- --as carol "/backup verify <backup-id>"
Buttons: npm run slack -- --as carol --click <action-id> [--message <ts>] [--value <option>]
Reactions: npm run slack -- --as carol --react white_check_mark --message <ts>
Scenes (the README's stories, played step by step): npm run slack -- --scene list | --scene production-deploy
Clock: npm run slack -- --clock "2026-12-26 10:00 Europe/Berlin" (the year-end freeze) | --clock now
Every flag: npm run slack -- --help
Logs are pino JSON on this terminal. Each start is fresh: the sandbox's queues and audit log are
wiped (unless REDIS_PREFIX or DATABASE_URL is set). Ctrl-C stops the sandbox.

`;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

await main();
