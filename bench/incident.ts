import { randomBytes } from 'node:crypto';
import { hashOf } from '../src/core/ids.ts';
import { incidentCatalog } from '../test/support/catalogs.ts';
import { eventually } from '../test/support/eventually.ts';
import { startStack } from '../test/support/stack.ts';
import { report } from './lib/results.ts';
import { round, summarize } from './lib/stats.ts';

// incident: from the signed HTTP request of `/incident declare P1 …` to the channel created, its
// people invited and the status card pinned (the pins.add answer), over N declarations one after
// another; and every Web API call a whole declaration makes (bridge, topic, bookmark, checklist,
// broadcasts, the declarer's note) divided by N.
const DECLARATIONS = Number(process.env.BENCH_INCIDENTS ?? 50);

export async function incidentBenchmark(): Promise<void> {
  const stack = await startStack({ catalogYaml: incidentCatalog(), env: { LOG_LEVEL: 'warn' } });
  const latencies: number[] = [];
  let calls = 0;
  let errors = 0;
  try {
    const pinned = new Map<string, number>();
    stack.sim.onCall((call) => {
      if (call.method === 'pins.add' && call.ok) pinned.set(String(call.args.channel), Date.now());
    });
    for (let index = 0; index < DECLARATIONS; index += 1) {
      try {
        const before = stack.sim.lastSeq;
        const sent = Date.now();
        const answer = await stack.slack.command(
          'alice',
          `/incident declare P1 "latency spike ${randomBytes(12).toString('hex')}"`,
          { channel: 'general' },
        );
        const id = hashOf(`command:${answer.triggerId}`).slice(0, 16);
        const row = await eventually(
          async () => {
            const found = (
              await stack.bot.pool.query<{ setup: string; channel_id: string }>(
                'SELECT setup, channel_id FROM incidents WHERE id = $1',
                [id],
              )
            ).rows[0];
            if (found?.setup !== 'done') throw new Error('declaring');
            return found;
          },
          { timeoutMs: 20_000 },
        );
        const at = pinned.get(row.channel_id);
        if (at === undefined) throw new Error('the card was never pinned');
        latencies.push(at - sent);
        // The declarer's "ready" note is the last call; wait for it so calls are counted per declaration.
        await eventually(() => {
          if (!stack.sim.callsSince(before).some((call) => call.method === 'response_url'))
            throw new Error('no note yet');
        });
        calls += stack.sim.callsSince(before).filter((call) => call.method.includes('.')).length;
      } catch (error) {
        errors += 1;
        process.stderr.write(`incident bench ${index}: ${(error as Error).message}\n`);
      }
    }
  } finally {
    await stack.close();
  }
  const stats = summarize(latencies);
  await report(
    'incident',
    {
      p50_ms: round(stats.p50),
      p99_ms: round(stats.p99),
      max_ms: round(stats.max),
      web_api_calls_per_declaration: round(calls / Math.max(1, latencies.length)),
      declarations: stats.n,
      errors,
    },
    {
      measured:
        'signed /incident declare P1 request sent → channel created, people invited, status card pinned (pins.add answered); Web API calls of the whole declaration / N',
    },
  );
}
