import { renderBlocks } from './blocks.ts';
import type { ConsoleState } from './types.ts';

// Used by the rendering test, in the page: draws lists of blocks the bot sent, off to the side, and
// reports what came out as "unsupported". Lives here so it runs the page's own renderer.
export async function renderAll(
  lists: { surface: 'message' | 'modal'; blocks: unknown[] }[],
): Promise<{ drawn: number; unsupported: string[] }> {
  const names = (await (await fetch('/state')).json()) as ConsoleState;
  const host = document.createElement('div');
  host.id = 'rendering-check';
  document.body.append(host);
  for (const list of lists) {
    const surface =
      list.surface === 'modal' ? { kind: 'modal' as const, errors: {} } : { kind: 'message' as const, ts: '0.0' };
    host.append(renderBlocks(list.blocks, { names, surface, act: async () => {}, confirm: async () => false }));
  }
  const unsupported = [...host.querySelectorAll('.unsupported')].map((node) => node.textContent ?? '');
  const drawn = host.querySelectorAll('[data-block-type]').length;
  host.remove();
  return { drawn, unsupported };
}
