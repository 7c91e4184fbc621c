import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { ConnectionErrorLog, isConnectionError } from '../../src/adapters/connection-errors.ts';
import { LogCapture } from '../support/log-capture.ts';

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
}

describe('worker errors while Redis is away', () => {
  it('says a lost connection once per window and folds the repeats into it', () => {
    const logs = new LogCapture();
    const log = new ConnectionErrorLog(pino(logs.stream), 60_000);
    for (let attempt = 0; attempt < 140; attempt += 1) log.report(refused(), { kind: 'deploy' }, 'worker error');
    const lines = logs.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      kind: 'deploy',
      folded: 0,
      msg: 'worker error: connection lost, retrying',
    });
  });

  it('starts a new window after the last one ends, counting what it folded', () => {
    const logs = new LogCapture();
    const log = new ConnectionErrorLog(pino(logs.stream), 0);
    log.report(refused(), {}, 'worker error');
    log.report(refused(), {}, 'worker error');
    expect(logs.lines()).toHaveLength(2);
  });

  it('logs anything that is not a lost connection as an error, every time', () => {
    const logs = new LogCapture();
    const log = new ConnectionErrorLog(pino(logs.stream), 60_000);
    log.report(new Error('ERR unknown command'), { kind: 'deploy' }, 'worker error');
    log.report(new Error('ERR unknown command'), { kind: 'deploy' }, 'worker error');
    expect(logs.lines().map((line) => line.level)).toEqual([50, 50]);
  });

  it('knows the shapes a lost Redis connection takes', () => {
    expect(isConnectionError(refused())).toBe(true);
    expect(isConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isConnectionError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
    expect(isConnectionError(new Error('NOSCRIPT No matching script'))).toBe(false);
    expect(isConnectionError('ECONNREFUSED')).toBe(false);
  });
});
