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

// Our own node:http server in front of Bolt's HTTPReceiver, so that every Slack request gets a
// correlation id before Bolt sees it, and its answer (401s from Bolt's signature check included)
// is counted and timed.
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
    const name = context.label ?? 'unknown';
    if (res.statusCode === 401) {
      metrics.slackRequests.inc({ kind: 'unverified', name: 'unverified', outcome: 'rejected' });
      logger.warn(
        { correlationId: context.correlationId, status: 401 },
        'rejected a Slack request: bad signature or stale timestamp',
      );
      return;
    }
    metrics.ackLatency.observe({ name }, seconds);
  });
  withContext(context, () => {
    try {
      receiver.requestListener(req, res);
    } catch (error) {
      logger.error({ err: error }, 'Bolt could not take the request');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
    }
  });
}
