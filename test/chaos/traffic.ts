import type { BotAnswer } from '../../src/sandbox/slack/driver.ts';

// Slack waits 3 s for the answer to a delivery and then stops listening (the person sees a timeout).
// The suite's sending side does the same: a request still unanswered at 3 s is abandoned and counted as a
// failure. That is Slack's own behaviour, not a timing assertion about ops-bot.
export const SLACK_GIVES_UP_MS = 3_000;

export type Failure = { what: string; why: string };

export class Traffic {
  readonly failures: Failure[] = [];
  sent = 0;

  // Sends one delivery; undefined when Slack would have given up on it or the connection failed.
  async deliver<T extends BotAnswer>(what: string, send: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    this.sent += 1;
    try {
      const answer = await send(AbortSignal.timeout(SLACK_GIVES_UP_MS));
      if (answer.status >= 500)
        this.failures.push({ what, why: `HTTP ${answer.status}: ${answer.body.slice(0, 200)}` });
      return answer;
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      const why =
        name === 'TimeoutError' || name === 'AbortError'
          ? `unanswered after ${SLACK_GIVES_UP_MS} ms`
          : `no answer: ${String(error)}`;
      this.failures.push({ what, why });
      return undefined;
    }
  }

  // The answers of a scenario's traffic, taken once they are checked: each scenario starts clean.
  takeFailures(): Failure[] {
    return this.failures.splice(0, this.failures.length);
  }
}
