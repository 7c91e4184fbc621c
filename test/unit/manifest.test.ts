import { readFile } from 'node:fs/promises';
import { describe, expect, it } from '@jest/globals';
import type { App } from '@slack/bolt';
import { parse } from 'yaml';
import { registerHandlers } from '../../src/handlers/register.ts';
import type { HandlerDeps } from '../../src/handlers/deps.ts';

type Manifest = {
  features: { slash_commands: { command: string; url: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] }; interactivity: { is_enabled: boolean } };
};

// Records what the routing table registers; Bolt itself is exercised by the e2e tests.
function registeredCommands(): string[] {
  const commands: string[] = [];
  const recorder = {
    command: (name: string) => commands.push(name),
    action: () => undefined,
    event: () => undefined,
    view: () => undefined,
  };
  registerHandlers(recorder as unknown as App, {} as HandlerDeps);
  return commands;
}

describe('manifest.yml', () => {
  it('lists exactly the slash commands the code answers', async () => {
    const manifest = parse(await readFile(new URL('../../manifest.yml', import.meta.url), 'utf8')) as Manifest;
    expect(manifest.features.slash_commands.map((command) => command.command).sort()).toEqual(
      registeredCommands().sort(),
    );
  });

  it('asks for the scopes and events the bot relies on', async () => {
    const manifest = parse(await readFile(new URL('../../manifest.yml', import.meta.url), 'utf8')) as Manifest;
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining([
        'commands',
        'chat:write',
        'reactions:read',
        'usergroups:read',
        'channels:manage',
        'pins:write',
        'bookmarks:write',
      ]),
    );
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(
      expect.arrayContaining(['reaction_added', 'reaction_removed', 'member_joined_channel']),
    );
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    for (const command of manifest.features.slash_commands) expect(command.url).toMatch(/\/slack\/events$/);
  });
});
