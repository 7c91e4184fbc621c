import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';
type Ack = { envelope_id: string; payload?: Record<string, unknown> };

// Slack's Socket Mode from the server side: apps.connections.open hands out a WebSocket URL, the
// server says hello, sends envelopes, and the app acknowledges each by envelope_id.
export class SocketModeServer {
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sockets = new Set<WebSocket>();
  readonly #pending = new Map<string, (ack: Ack) => void>();
  readonly #appId: string;

  constructor(server: Server, appId: string) {
    this.#appId = appId;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!req.url?.startsWith('/_sim/socket')) return socket.destroy();
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
    });
  }

  connectionUrl(base: string): string {
    return `${base.replace(/^http/, 'ws')}/_sim/socket?ticket=${randomBytes(8).toString('hex')}`;
  }

  get connected(): number {
    return this.#sockets.size;
  }

  // Sends one envelope to a connected app and waits for its acknowledgement.
  async deliver(
    type: EnvelopeType,
    payload: unknown,
    options: { retryAttempt?: number; timeoutMs?: number } = {},
  ): Promise<Ack> {
    const socket = [...this.#sockets][0];
    if (!socket) throw new Error('no Socket Mode app is connected');
    const envelopeId = randomBytes(12).toString('hex');
    const acked = new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(envelopeId);
        reject(new Error('no acknowledgement within 3 s'));
      }, options.timeoutMs ?? 3_000);
      this.#pending.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    socket.send(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        ...(type === 'events_api'
          ? { retry_attempt: options.retryAttempt ?? 0, retry_reason: options.retryAttempt ? 'timeout' : '' }
          : {}),
      }),
    );
    return acked;
  }

  close(): void {
    for (const socket of this.#sockets) socket.terminate();
    this.#wss.close();
  }

  #accept(ws: WebSocket): void {
    this.#sockets.add(ws);
    ws.on('close', () => this.#sockets.delete(ws));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Ack;
      if (message.envelope_id) this.#pending.get(message.envelope_id)?.(message);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.#sockets.size,
        debug_info: { host: 'simulator', approximate_connection_time: 3600 },
        connection_info: { app_id: this.#appId },
      }),
    );
  }
}
