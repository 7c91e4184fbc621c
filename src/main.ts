import { CatalogError } from './config/catalog-load.ts';
import { EnvError, parseEnv, type Env } from './config/env.ts';
import { StartupError, startOpsBot, type RunningOpsBot } from './start.ts';

// Exit codes: 2 = configuration the operator must fix (environment, catalog, token); 1 = anything else.
const CONFIG_EXIT = 2;

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function shutdownTimedOut(ms: number): never {
  fail(
    `ops-bot: running jobs did not stop within ${ms} ms; exiting (they resume on another worker as stalled jobs)`,
    1,
  );
}

async function main(): Promise<void> {
  const started: { bot?: RunningOpsBot } = {};
  let reloadWhenStarted = false;
  // Kubernetes updates a mounted ConfigMap in place; SIGHUP makes the running process read it. Installed first:
  // Node's default for SIGHUP is to exit, and the signal can reach a pod still waiting for Slack or Redis, whose
  // start-up may have read the old file, so it is read again once started.
  process.on('SIGHUP', () => {
    if (started.bot) void started.bot.reloadCatalog();
    else reloadWhenStarted = true;
  });
  let env: Env;
  try {
    env = parseEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) fail(error.message, CONFIG_EXIT);
    throw error;
  }
  let running: RunningOpsBot;
  try {
    running = await startOpsBot({ env });
  } catch (error) {
    if (error instanceof CatalogError) fail(`ops-bot cannot start: ${error.message}`, CONFIG_EXIT);
    if (error instanceof StartupError) fail(`ops-bot cannot start: ${error.message}`, CONFIG_EXIT);
    fail(`ops-bot failed to start: ${error instanceof Error ? error.message : String(error)}`, 1);
  }
  started.bot = running;
  if (reloadWhenStarted) void running.reloadCatalog();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) fail(`ops-bot: second ${signal}, exiting now`, 1);
    stopping = true;
    const deadline = setTimeout(() => shutdownTimedOut(env.SHUTDOWN_TIMEOUT_MS), env.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    running.close().then(
      () => process.exit(0),
      (error: unknown) => fail(`ops-bot: shutdown failed: ${String(error)}`, 1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
