import { describe, expect, it } from '@jest/globals';
import { EnvError, parseEnv } from '../../src/config/env.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseEnv(env);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  throw new Error('the environment was accepted');
}

describe('the environment', () => {
  it('applies the defaults of the contract', () => {
    const env = parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' });
    expect(env).toMatchObject({
      SLACK_API_URL: 'https://slack.com/api/',
      PORT: 3000,
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: 'postgres://localhost:5432/opsbot',
      OPS_CATALOG: 'config/catalog.yml',
      ROLE: 'all',
      LOG_LEVEL: 'info',
    });
  });

  it('names every missing or invalid variable in one message, without echoing secrets', () => {
    const problems = problemsOf({ SLACK_APP_TOKEN: 'xoxp-wrong', PORT: 'eighty', ROLE: 'both' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SLACK_BOT_TOKEN is required/),
        'SLACK_APP_TOKEN must be an app-level token starting with xapp-',
        expect.stringMatching(/^PORT must be a port number \(got "eighty"\)/),
        'ROLE must be all, bot or worker (got "both")',
      ]),
    );
    expect(problems.join('\n')).not.toContain('xoxp-wrong');
  });

  it('needs a signing secret in HTTP mode only', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([
      'SLACK_SIGNING_SECRET is required in HTTP mode (set it, or set SLACK_APP_TOKEN for Socket Mode)',
    ]);
    expect(parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).SLACK_APP_TOKEN).toBe('xapp-1');
  });

  it('names the missing token and the missing signing secret in one run, with the new knobs checked', () => {
    expect(problemsOf({ SLACK_STARTUP_TIMEOUT_MS: 'soon', REDIS_SKIP_EVICTION_CHECK: 'yes' })).toEqual([
      "SLACK_BOT_TOKEN is required: the bot token (xoxb-…) from your Slack app's OAuth page",
      'SLACK_STARTUP_TIMEOUT_MS must be a number of milliseconds (got "soon")',
      'REDIS_SKIP_EVICTION_CHECK must be true or false (got "yes")',
      'SLACK_SIGNING_SECRET is required in HTTP mode (set it, or set SLACK_APP_TOKEN for Socket Mode)',
    ]);
    const env = parseEnv({ SLACK_BOT_TOKEN: 'xoxb-1', ROLE: 'worker', REDIS_SKIP_EVICTION_CHECK: 'true' });
    expect([env.SLACK_STARTUP_TIMEOUT_MS, env.REDIS_SKIP_EVICTION_CHECK]).toEqual([30_000, true]);
  });

  it('adds the trailing slash SLACK_API_URL needs and treats empty values as unset', () => {
    expect(
      parseEnv({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 's',
        SLACK_API_URL: 'http://127.0.0.1:9/api',
        PORT: '',
      }),
    ).toMatchObject({ SLACK_API_URL: 'http://127.0.0.1:9/api/', PORT: 3000 });
  });
});
