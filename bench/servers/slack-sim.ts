import { SlackSimulator } from '../../src/sandbox/slack/simulator.ts';
import { startControl, ready } from './control.ts';

// The Slack simulator in its own process, as Slack is its own service: the bots and workers reach
// its Web API through SLACK_API_URL. Its control surface mints response_urls, plans faults (a 429
// storm until told to stop) and counts replies sent to the sink.
const sim = new SlackSimulator({ token: process.env.BENCH_SLACK_TOKEN ?? 'xoxb-bench-token' });
await sim.start();
// A driver only for its response_url targets; the benchmark sends the requests itself.
const driver = sim.connectBot('http://127.0.0.1:9', process.env.BENCH_SECRET ?? '');
let sunk = 0;

const control = await startControl({
  // Replies nobody reads (load runs): answered 200 and counted, nothing kept.
  sink: () => {
    sunk += 1;
    return { ok: true };
  },
  sunk: () => ({ sunk }),
  'response-urls': (body) => {
    const count = Number(body.count ?? 1);
    const target = { channel: String(body.channel), user: String(body.user), ephemeral: true };
    return { urls: Array.from({ length: count }, () => driver.newResponseUrl(target)) };
  },
  // Every call of these methods answers 429 with this Retry-After until `calm`.
  storm: (body) => {
    for (const method of body.methods as string[])
      sim.fail(method, { rateLimited: Number(body.retryAfter ?? 1) }, Number.MAX_SAFE_INTEGER);
    return { at: Date.now() };
  },
  calm: () => {
    sim.faults.clear();
    return { at: Date.now() };
  },
  now: () => ({ at: Date.now(), lastSeq: sim.lastSeq }),
});

ready({ url: sim.url, apiUrl: sim.apiUrl, token: sim.token, control, sink: `${control}/sink` });
process.on('SIGTERM', () => void sim.stop().then(() => process.exit(0)));
