import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// The simulators listen on loopback, on a port the OS picks unless told, and stop at once (open
// keep-alive and watch connections are cut, not waited for).
export async function listenOn(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

export async function closeNow(server: Server | undefined): Promise<void> {
  if (server)
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}
