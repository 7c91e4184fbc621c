import { Writable } from 'node:stream';

// Collects the bot's pino JSON lines so tests can read what was logged.
export class LogCapture {
  readonly raw: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      this.raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });

  lines(): Record<string, unknown>[] {
    return this.raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  text(): string {
    return this.raw.join('\n');
  }
}
