import { describe, expect, it } from '@jest/globals';
import { redisOptions } from '../../src/adapters/redis.ts';
import { EnvError, parseEnv } from '../../src/config/env.ts';
import { describeRedis, parseRedisUrl } from '../../src/core/redis-url.ts';

function problemOf(url: string, extra: Record<string, string> = {}): string[] {
  try {
    parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', REDIS_URL: url, ...extra });
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error(`${url} was accepted`);
}

describe('REDIS_URL', () => {
  it('reads one server, with TLS, credentials and a database', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({
      kind: 'server',
      address: { host: '127.0.0.1', port: 6379 },
      tls: false,
      db: 0,
    });
    expect(parseRedisUrl('rediss://ops:p%40ss@cache.example.com/2')).toEqual({
      kind: 'server',
      address: { host: 'cache.example.com', port: 6379 },
      tls: true,
      username: 'ops',
      password: 'p@ss',
      db: 2,
    });
  });

  it('reads a sentinel list, the master name and a database, with the default sentinel port', () => {
    expect(parseRedisUrl('redis+sentinel://:secret@s1:26380,s2,[::1]:26381/opsbot/3')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      name: 'opsbot',
      tls: false,
      password: 'secret',
      db: 3,
    });
    expect(parseRedisUrl('rediss+sentinel://s1:26379/main/')).toMatchObject({ tls: true, name: 'main', db: 0 });
  });

  it.each([
    ['http://cache:6379', /^REDIS_URL must be a Redis URL: redis:\/\/host:6379, rediss/],
    ['redis+sentinel://s1:26379', /must end with the master name the sentinels monitor/],
    ['redis+sentinel://s1:26379/', /must end with the master name/],
    ['redis+sentinel://s1:26379,s2:99999/main', /port out of range in "s2:99999"/],
    ['redis+sentinel://s1:263x9/main', /address "s1:263x9" that is not host or host:port/],
    ['redis+sentinel:///main', /at least one sentinel/],
    ['redis+sentinel://s1/main/zero', /"\/main\/zero" where a database number/],
    ['redis+sentinel://s1/main/0/extra', /has more after \/main\/<db>/],
    ['redis://a:6379,b:6379', /one host \(a list of hosts needs redis\+sentinel:\/\/\)/],
  ])('refuses %s, saying what is wrong', (url, message) => {
    expect(problemOf(url)).toEqual([expect.stringMatching(message)]);
  });

  it('never repeats a password, even one whose / was not percent-encoded', () => {
    const problems = problemOf('redis+sentinel://:hunter/2@s1:26379/main');
    expect(problems).toEqual([expect.stringMatching(/not percent-encoded/)]);
    expect(problems.join()).not.toContain('hunter');
    expect(problemOf('redis://s1', { REDIS_SENTINEL_PASSWORD: 'hunter2' })).toEqual([
      'REDIS_SENTINEL_PASSWORD is set, but REDIS_URL is not a redis+sentinel:// URL',
    ]);
    expect(describeRedis(parseRedisUrl('redis+sentinel://ops:hunter2@s1,s2:26380/main/1'))).toBe(
      'redis+sentinel://ops:***@s1:26379,s2:26380/main/1',
    );
  });

  it('becomes ioredis sentinel options: the master by name, the sentinels’ own password, TLS to both', () => {
    const options = redisOptions({
      url: 'rediss+sentinel://:primary@s1:26379,s2:26379/opsbot',
      sentinelPassword: 'sentinels',
    });
    expect(options).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'opsbot',
      role: 'master',
      password: 'primary',
      sentinelPassword: 'sentinels',
      tls: {},
      sentinelTLS: {},
      enableTLSForSentinelMode: true,
      protocol: 2,
    });
    expect(redisOptions({ url: 'redis://127.0.0.1:6390/1' })).toMatchObject({ host: '127.0.0.1', port: 6390, db: 1 });
  });
});
