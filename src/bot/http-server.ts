import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from 'pino';
import { withContext, type RequestContext } from '../adapters/log.ts';
import type { Metrics } from '../adapters/metrics.ts';
import { newCorrelationId } from '../core/ids.ts';

export type Readiness = () => Promise<{ ready: boolean; checks: Record<string, string> }>;

export type HttpServerOptions = {
  receiver: HTTPReceiver | undefined;
  readiness: Readiness;
  beforeMetrics: () => Promise<void>;
  metrics: Metrics;
  logger: Logger;
};

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

// Slack's guide: refuse a request whose timestamp is more than 5 minutes from local time, either way.
// Bolt 5 refuses only old ones, so a future-dated one is refused here, before Bolt sees it.
const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

function datedInTheFuture(req: IncomingMessage, nowMs = Date.now()): boolean {
  const header = req.headers['x-slack-request-timestamp'];
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && seconds - Math.floor(nowMs / 1000) > MAX_CLOCK_SKEW_SECONDS;
}

// Our own node:http server in front of Bolt's HTTPReceiver, so that every Slack request gets a
// correlation id before Bolt sees it, and its answer (401s from Bolt's signature check and ours
// for a future timestamp included) is counted and timed.
export function createHttpServer(options: HttpServerOptions): Server {
  const { receiver, metrics, logger } = options;
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'POST' && path === '/slack/events') {
      if (!receiver)
        return json(res, 404, { error: 'this process does not take Slack requests (ROLE=worker or Socket Mode)' });
      return slackEvents(receiver, req, res, metrics, logger);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });
    switch (path) {
      case '/healthz':
        return json(res, 200, { status: 'ok' });
      case '/readyz':
        return void options.readiness().then(
          (result) =>
            json(res, result.ready ? 200 : 503, {
              status: result.ready ? 'ready' : 'not ready',
              checks: result.checks,
            }),
          (error: unknown) => json(res, 503, { status: 'not ready', error: String(error) }),
        );
      case '/metrics':
        return void options
          .beforeMetrics()
          .catch(() => undefined)
          .then(async () => {
            res.writeHead(200, { 'content-type': metrics.registry.contentType });
            res.end(await metrics.registry.metrics());
          });
      default:
        return json(res, 404, { error: 'not found' });
    }
  });
}

function slackEvents(
  receiver: HTTPReceiver,
  req: IncomingMessage,
  res: ServerResponse,
  metrics: Metrics,
  logger: Logger,
): void {
  const context: RequestContext = { correlationId: newCorrelationId(), receivedAt: performance.now() };
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const name = metrics.requestName(context.label ?? 'unknown');
    if (res.statusCode === 401) {
      metrics.slackRequests.inc({ kind: 'unverified', name: 'unverified', outcome: 'rejected' });
      logger.warn(
        { correlationId: context.correlationId, status: 401, futureTimestamp },
        futureTimestamp
          ? 'rejected a Slack request: timestamp more than 5 minutes in the future'
          : 'rejected a Slack request: bad signature or stale timestamp',
      );
      return;
    }
    metrics.ackLatency.observe({ name }, seconds);
  });
  const futureTimestamp = datedInTheFuture(req);
  if (futureTimestamp) {
    // Drain the body so the connection can be reused, then answer as Bolt answers a stale one.
    req.resume();
    res.writeHead(401);
    res.end();
    return;
  }
  withContext(context, () => {
    try {
      receiver.requestListener(req, res);
    } catch (error) {
      logger.error({ err: error }, 'Bolt could not take the request');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
    }
  });
}
