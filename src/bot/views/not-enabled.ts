import { section, view, type View } from './blocks.ts';

export function notEnabledView(what: string): View {
  const text = `\`${what}\` is understood but not enabled in this build of ops-bot yet. Nothing was started.`;
  return view(text, [section(`:construction: ${text}`)]);
}
