import { describe, expect, it } from '@jest/globals';
import { createLogger, scrubSecrets } from '../../src/adapters/log.ts';
import { LogCapture } from '../support/log-capture.ts';

describe('log redaction', () => {
  it('removes Slack tokens, bearer headers, URL passwords and response_urls wherever they appear', () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: 'debug', destination: capture.stream });
    logger.info(
      { token: 'xoxb-111-222-secret', headers: { authorization: 'Bearer xoxb-111-222-secret' }, signingSecret: 'shh' },
      'calling with xoxb-111-222-secret',
    );
    logger.warn({ err: new Error('request to redis://ops:hunter2@redis:6379 failed for xapp-1-A1-secret') }, 'failed');
    logger.info(
      { responseUrl: 'https://hooks.slack.com/commands/T1/2/abc', nested: { deeper: { value: 'Bearer abc.def' } } },
      'reply',
    );
    const text = capture.text();
    for (const secret of [
      'xoxb-111-222-secret',
      'shh',
      'hunter2',
      'xapp-1-A1-secret',
      'hooks.slack.com/commands/T1',
      'abc.def',
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED]');
  });

  it('writes dates as times, not as empty objects', () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: 'info', destination: capture.stream });
    logger.info({ at: new Date('2026-11-30T10:00:00Z'), nested: { when: new Date('2026-12-01T00:00:00Z') } }, 'audit');
    expect(capture.lines()[0]).toMatchObject({
      at: '2026-11-30T10:00:00.000Z',
      nested: { when: '2026-12-01T00:00:00.000Z' },
    });
  });

  it('leaves ordinary text alone', () => {
    expect(scrubSecrets('deploy checkout 1.4.2 to production')).toBe('deploy checkout 1.4.2 to production');
  });
});
