import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { AddressInfo } from 'node:net';

// The baseline: a Bolt app that only acknowledges, on the same HTTPReceiver ops-bot uses.
const receiver = new HTTPReceiver({ signingSecret: process.env.BENCH_SECRET ?? '', logLevel: LogLevel.ERROR });
const app = new App({
  receiver,
  authorize: async () => ({ botToken: 'xoxb-bare', botId: 'B1', botUserId: 'U1' }),
  logLevel: LogLevel.ERROR,
});
app.command(/.*/, async ({ ack }) => {
  await ack();
});
const server = await receiver.start({ port: 0, host: '127.0.0.1' });
process.stdout.write(
  `${JSON.stringify({ ready: true, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`,
);
process.on('SIGTERM', () => void receiver.stop().then(() => process.exit(0)));
