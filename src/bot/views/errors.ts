import { context, section, view, type View } from './blocks.ts';

export function userErrorView(message: string, hint: string | undefined): View {
  const blocks = [section(`:warning: ${message}`)];
  if (hint) blocks.push(section(hint.includes('\n') || hint.startsWith('/') ? `\`\`\`${hint}\`\`\`` : hint));
  return view(hint ? `${message}\n${hint}` : message, blocks);
}

export function unexpectedErrorView(errorId: string, correlationId: string): View {
  const message = `:x: Something went wrong inside ops-bot. Quote error ${errorId} when you ask for help.`;
  return view(message, [section(message), context(`correlation id \`${correlationId}\``)]);
}
