import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

// A loopback TCP proxy a test can cut and restore: "Redis is unreachable" without touching the
// machine's Redis. Black-holed, it accepts connections and swallows what they send, answering nothing:
// a server that hangs, which only timeouts notice.
export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  #blackholed = false;
  #server: Server | undefined;
  #port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  get port(): number {
    return this.#port;
  }

  async start(): Promise<number> {
    if (this.#server) return this.#port;
    this.#server = createServer((client) => {
      this.#track(client);
      if (this.#blackholed) {
        client.resume();
        return;
      }
      const upstream = connect(this.#target.port, this.#target.host);
      this.#track(upstream);
      const pair = { client, upstream };
      this.#pairs.add(pair);
      client.on('close', () => this.#pairs.delete(pair));
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject);
      this.#server!.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    return this.#port;
  }

  // From now on nothing answers: open connections stay open but go silent, new ones are accepted and
  // never answered. start() after cut() ends it.
  blackhole(): void {
    this.#blackholed = true;
    for (const { client, upstream } of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.resume();
      upstream.resume();
    }
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  // Drops every connection and refuses new ones until start() is called again (same port).
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#blackholed = false;
    this.#pairs.clear();
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}
