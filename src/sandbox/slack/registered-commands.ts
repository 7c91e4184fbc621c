import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { didYouMean } from '../../core/suggest.ts';

const MANIFEST = new URL('../../../manifest.yml', import.meta.url);
const manifestSchema = z.object({
  features: z.object({ slash_commands: z.array(z.object({ command: z.string().startsWith('/') })) }),
});

let registered: string[] | undefined;

// The slash commands the app manifest registers: the only ones Slack sends to the app.
export function registeredCommands(): string[] {
  registered ??= manifestSchema
    .parse(parse(readFileSync(MANIFEST, 'utf8')))
    .features.slash_commands.map((entry) => entry.command);
  return registered;
}

// What Slack itself answers to a command no installed app registered (the app never hears of it),
// with a hint at the closest registered one; undefined for a registered command.
export function unknownCommandReply(command: string): string | undefined {
  const commands = registeredCommands();
  if (commands.includes(command)) return undefined;
  const names = commands.map((known) => known.slice(1));
  const hint = didYouMean(command.replace(/^\//, ''), names, '/');
  return (
    `\`${command}\` is not a valid command. In Slack, all messages that start with the "/" character ` +
    `are interpreted as commands.${hint}`
  );
}
