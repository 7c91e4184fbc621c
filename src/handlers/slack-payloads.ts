import { z } from 'zod';

// What Slack sends, parsed at the edge. Only the fields ops-bot reads are required.
export const slashCommandPayload = z.object({
  command: z.string().regex(/^\/[a-z0-9_-]+$/i),
  text: z.string().default(''),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  team_id: z.string().optional(),
  channel_id: z.string().min(1),
  channel_name: z.string().optional(),
  response_url: z.url().optional(),
  trigger_id: z.string().optional(),
  api_app_id: z.string().optional(),
});

export type SlashCommandPayload = z.output<typeof slashCommandPayload>;

// A retried delivery carries the same trigger_id (or response_url); either identifies it.
export function commandDeliveryKey(payload: SlashCommandPayload): string {
  const { team_id, channel_id, user_id, command, text } = payload;
  const whoWhereWhat = `${team_id}:${channel_id}:${user_id}:${command}:${text}`;
  return `command:${payload.trigger_id ?? payload.response_url ?? whoWhereWhat}`;
}
