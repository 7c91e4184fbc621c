import { CANCEL_RULE } from '../../core/cancel-rule.ts';
import { COMMAND_NAMES, USAGE, type CommandName } from '../../core/grammar/usage.ts';
import { context, divider, header, section, view, type View } from './blocks.ts';

function commandSection(command: CommandName): string {
  return USAGE[command].map((line) => `\`${line.syntax}\`\n${line.what} — e.g. \`${line.example}\``).join('\n\n');
}

// What this installation adds to a command's help (mrkdwn), e.g. the sandbox's failing image tags.
export type HelpNotes = Partial<Record<CommandName, string>>;

// The commands whose jobs /ops cancel stops: their help states who may cancel.
const CANCELS: CommandName[] = ['deploy', 'rollback', 'ops'];

export function helpView(topic?: CommandName, notes: HelpNotes = {}): View {
  const commands = topic ? [topic] : COMMAND_NAMES;
  const blocks = [header(topic ? `ops-bot: /${topic}` : 'ops-bot commands')];
  commands.forEach((command, index) => {
    if (index > 0) blocks.push(divider());
    blocks.push(section(commandSection(command)));
  });
  if (commands.some((command) => CANCELS.includes(command))) blocks.push(section(`*Cancelling:* ${CANCEL_RULE}`));
  const note = topic ? notes[topic] : undefined;
  if (note) blocks.push(section(note));
  blocks.push(
    context(
      'Production changes need approval from other people (button or :white_check_mark: reaction). Everything is written to the audit log. `/ops help <command>` shows one command.',
    ),
  );
  const text = commands
    .map((command) => USAGE[command].map((line) => `${line.syntax}\n    e.g. ${line.example}`).join('\n'))
    .join('\n');
  return view(text, blocks);
}
