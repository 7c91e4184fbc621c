// The Block Kit types the console draws. The renderer's tables are typed by these lists, so tsc
// fails if one is listed but not drawn; the rendering test fails if the bot sends one not listed.
export const BLOCK_TYPES = [
  'section',
  'context',
  'header',
  'divider',
  'actions',
  'image',
  'input',
  'rich_text',
] as const;
export const ELEMENT_TYPES = [
  'button',
  'overflow',
  'static_select',
  'multi_static_select',
  'checkboxes',
  'radio_buttons',
  'plain_text_input',
  'datepicker',
  'image',
  'mrkdwn',
  'plain_text',
] as const;
export type BlockType = (typeof BLOCK_TYPES)[number];
export type ElementType = (typeof ELEMENT_TYPES)[number];

// Every block and element type in a list of blocks (a message's or a modal's): what the page
// must be able to draw. Text objects count as elements where they stand as one (context).
export function typesIn(blocks: unknown): { blocks: Set<string>; elements: Set<string> } {
  const found = { blocks: new Set<string>(), elements: new Set<string>() };
  for (const block of Array.isArray(blocks) ? (blocks as Record<string, unknown>[]) : []) {
    if (typeof block?.type !== 'string') continue;
    found.blocks.add(block.type);
    if (block.type === 'rich_text') continue;
    const elements = [
      ...(Array.isArray(block.elements) ? block.elements : []),
      ...(block.accessory ? [block.accessory] : []),
      ...(block.element ? [block.element] : []),
    ] as { type?: unknown }[];
    for (const element of elements) if (typeof element?.type === 'string') found.elements.add(element.type);
  }
  return found;
}
