import { z } from 'zod';
import type { BotAnswer, SlackDriver } from '../slack/driver.ts';
import type { ModalTracker } from './modals.ts';

// What the page may ask for, as one person of the simulated workspace. Each is sent to the bot as
// Slack would send it (SlackDriver: signed slash commands, events and interactions).
const person = z.string().min(1, 'pick a person to act as');
const option = z.object({ value: z.string() });
const inputValue = z.object({
  type: z.string(),
  value: z.string().optional(),
  selected_option: option.nullable().optional(),
  selected_options: z.array(option).optional(),
  selected_date: z.string().nullable().optional(),
});

const schemas = {
  command: z.object({ as: person, channel: z.string().min(1), line: z.string().regex(/^\/\S+/, 'a command starts /') }),
  say: z.object({ as: person, channel: z.string().min(1), text: z.string().min(1), threadTs: z.string().optional() }),
  react: z.object({ as: person, messageTs: z.string().min(1), reaction: z.string().min(1), removed: z.boolean() }),
  click: z.object({
    as: person,
    messageTs: z.string().min(1),
    actionId: z.string().min(1),
    value: z.string().optional(),
    selectedOption: option.optional(),
    selectedOptions: z.array(option).optional(),
  }),
  submit: z.object({
    as: person,
    viewId: z.string().min(1),
    values: z.record(z.string(), z.record(z.string(), inputValue)),
  }),
  close: z.object({ as: person, viewId: z.string().min(1) }),
  home: z.object({ as: person }),
  homeClick: z.object({ as: person, actionId: z.string().min(1), value: z.string().optional() }),
};

export type ActionName = keyof typeof schemas;
export const ACTION_NAMES = Object.keys(schemas) as ActionName[];

class ConsoleInputError extends Error {}

type Context = { driver: SlackDriver; modals: ModalTracker };
type Answer = Promise<Record<string, unknown>>;
type Handlers = { [K in ActionName]: (request: z.infer<(typeof schemas)[K]>, context: Context) => Answer };

const trigger = ({ driver, modals }: Context, as: string) => modals.newTrigger(driver.user(as).id);

const handlers: Handlers = {
  command: async ({ as, channel, line }, context) =>
    answered(await context.driver.command(as, line, { channel, triggerId: trigger(context, as) })),
  say: async ({ as, channel, text, threadTs }, { driver }) => ({
    ok: true,
    ts: driver.say(as, channel, text, threadTs),
  }),
  react: async ({ as, ...target }, { driver }) => answered(await driver.react(as, target)),
  click: async ({ as, ...target }, context) =>
    answered(await context.driver.click(as, target, { triggerId: trigger(context, as) })),
  submit: (request, context) => submit(request, context),
  home: async ({ as }, { driver }) => answered(await driver.openHome(as)),
  homeClick: async ({ as, ...target }, context) =>
    answered(await context.driver.clickHome(as, target, { triggerId: trigger(context, as) })),
  close: async ({ as, viewId }, { driver, modals }) => {
    const modal = modals.find(viewId);
    if (modal && modal.user === driver.user(as).id) modals.close(modal);
    return { ok: true };
  },
};

export async function runAction(name: ActionName, input: unknown, context: Context): Answer {
  const parsed = schemas[name].safeParse(input);
  if (!parsed.success) throw new ConsoleInputError(z.prettifyError(parsed.error));
  const handler = handlers[name] as (request: unknown, context: Context) => Answer;
  return handler(parsed.data, context);
}

async function submit(request: z.infer<typeof schemas.submit>, { driver, modals }: Context): Answer {
  const modal = modals.find(request.viewId);
  if (!modal) throw new ConsoleInputError('that form is no longer open');
  // Slack ties a modal to the person it was opened for; another person cannot submit it.
  if (modal.user !== driver.user(request.as).id) throw new ConsoleInputError(`that form is not open for ${request.as}`);
  const callbackId = String(modal.view.callback_id ?? '');
  const privateMetadata = typeof modal.view.private_metadata === 'string' ? modal.view.private_metadata : undefined;
  const answer = await driver.submitView(request.as, {
    callbackId,
    ...(privateMetadata ? { privateMetadata } : {}),
    values: request.values,
  });
  const result = answered(answer);
  modals.answered(modal, answer.json);
  return result;
}

// The bot's HTTP answer: anything but 200 is shown to the person as an error.
function answered(answer: BotAnswer): Record<string, unknown> {
  if (answer.status !== 200) throw new ConsoleInputError(`the bot answered HTTP ${answer.status}: ${answer.body}`);
  return { ok: true, ack: answer.json ?? null };
}
