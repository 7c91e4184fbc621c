import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { View } from '../bot/views/blocks.ts';
import type { MessageRef, SlackGateway } from '../adapters/slack.ts';

export type ReporterOptions = { minIntervalMs?: number; logger: Logger };

// One Slack message per job, kept up to date without flooding Slack: at most one chat.update per
// interval, only when the rendered message changed, always rendering the latest state at send time,
// one call in flight at a time. The final state is always written: finish() retries it, and the Web
// API client itself waits out 429s (Retry-After) before retrying (TECH-NOTES §1).
export class ProgressReporter {
  readonly ref: MessageRef;
  readonly #slack: SlackGateway;
  readonly #render: () => View;
  readonly #minIntervalMs: number;
  readonly #logger: Logger;
  #lastSent: string;
  #lastAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #finished = false;

  private constructor(
    slack: SlackGateway,
    ref: MessageRef,
    render: () => View,
    sent: string,
    options: ReporterOptions,
  ) {
    this.#slack = slack;
    this.ref = ref;
    this.#render = render;
    this.#lastSent = sent;
    this.#minIntervalMs = options.minIntervalMs ?? 1_000;
    this.#logger = options.logger;
  }

  // Posts the message, or adopts one posted before (a job resumed after a crash keeps its message).
  static async open(
    slack: SlackGateway,
    channel: string,
    render: () => View,
    options: ReporterOptions & { existing?: MessageRef | undefined },
  ): Promise<ProgressReporter> {
    const view = render();
    if (options.existing) {
      const reporter = new ProgressReporter(slack, options.existing, render, '', options);
      reporter.changed();
      return reporter;
    }
    const ref = await slack.postMessage(channel, view);
    const reporter = new ProgressReporter(slack, ref, render, JSON.stringify(view), options);
    reporter.#lastAt = Date.now();
    return reporter;
  }

  changed(): void {
    if (this.#finished || this.#timer) return;
    const wait = Math.max(0, this.#lastAt + this.#minIntervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#send(() => this.#render());
    }, wait);
  }

  // For a state a person must see even if the next one follows at once (a problem just appeared, a
  // rollback starts): rendered now and sent without waiting for the interval, in order.
  now(): void {
    if (this.#finished) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const view = this.#render();
    void this.#send(() => view);
  }

  // One call at a time, in the order asked; a view identical to the last one sent is skipped.
  #send(view: () => View): Promise<void> {
    this.#chain = this.#chain.then(async () => {
      const rendered = view();
      const body = JSON.stringify(rendered);
      if (body === this.#lastSent) return;
      this.#lastAt = Date.now();
      try {
        await this.#slack.updateMessage(this.ref, rendered);
        this.#lastSent = body;
      } catch (error) {
        this.#logger.warn({ err: error }, 'progress update failed; the next one carries the state');
      }
    });
    return this.#chain;
  }

  async finish(): Promise<void> {
    this.#finished = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#chain;
    const view = this.#render();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#slack.updateMessage(this.ref, view);
        this.#lastSent = JSON.stringify(view);
        return;
      } catch (error) {
        if (attempt >= 4) {
          this.#logger.error({ err: error }, 'could not write the final state of a progress message');
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  // Notable events go to the message's thread, so the message itself stays short.
  async thread(view: View): Promise<void> {
    await this.#slack
      .postMessage(this.ref.channel, view, this.ref.ts)
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'could not post to the progress thread'));
  }
}

// The progress message of a job asked for in a channel; a job from elsewhere reports nowhere.
export async function openProgress(
  deps: { slack: SlackGateway; logger: Logger; progressIntervalMs?: number | undefined },
  channel: string | undefined,
  render: () => View,
): Promise<ProgressReporter | undefined> {
  if (!channel) return undefined;
  return ProgressReporter.open(deps.slack, channel, render, {
    logger: deps.logger,
    minIntervalMs: deps.progressIntervalMs,
  });
}

// Where the job's progress message is, saved in its data: if its worker dies for good, the interrupted
// outcome is written into that message (jobs/interrupted.ts). Best effort: without it, the requester
// is still told.
export async function recordProgressMessage(
  job: Job,
  data: object,
  ref: MessageRef | undefined,
  logger: Logger,
): Promise<void> {
  if (!ref) return;
  await job
    .updateData({ ...data, progress: ref })
    .catch((error: unknown) => logger.warn({ err: error }, 'could not record where the progress message is'));
}
