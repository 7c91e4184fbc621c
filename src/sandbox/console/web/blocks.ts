import type { BlockType, ElementType } from './kinds.ts';
import { emoji, inline, mrkdwn, unescapeEntities, type Names } from './mrkdwn.ts';

// Block Kit as DOM, the way a Slack client draws it. Interactive elements in a message send a
// block_actions through the console; in a modal they are read when the modal is submitted.
type Raw = Record<string, unknown>;
type Option = { text?: unknown; value?: string; description?: unknown };
export type Confirm = { title?: unknown; text?: unknown; confirm?: unknown; deny?: unknown; style?: string };
export type RenderContext = {
  names: Names;
  surface: { kind: 'message'; ts: string } | { kind: 'home' } | { kind: 'modal'; errors: Record<string, string> };
  act: (action: 'click' | 'homeClick', body: Record<string, unknown>) => Promise<void>;
  confirm: (dialog: Confirm) => Promise<boolean>;
};

export function el(tag: string, className = '', ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

export function plain(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'text' in value) return String((value as { text: unknown }).text);
  return '';
}

// A text object: mrkdwn is parsed, plain_text shown as written (with :emoji: if asked, as Slack does).
export function textObject(value: unknown, names: Names): Node {
  const object = (value ?? {}) as Raw;
  if (object.type === 'mrkdwn') return mrkdwn(String(object.text ?? ''), names);
  const text = unescapeEntities(plain(value));
  return document.createTextNode(
    object.emoji === false ? text : text.replace(/:([a-z0-9_+-]+):/g, (_, name: string) => emoji(name)),
  );
}

export function unsupported(kind: string, type: unknown): HTMLElement {
  return el('div', 'unsupported', `unsupported: ${kind} ${String(type)}`);
}

export function renderBlocks(blocks: unknown[], context: RenderContext): HTMLElement {
  const out = el('div', 'blocks');
  for (const block of blocks as Raw[]) {
    const draw = BLOCKS[block.type as BlockType] as ((block: Raw, context: RenderContext) => Node) | undefined;
    const node = draw ? draw(block, context) : unsupported('block', block.type);
    if (node instanceof HTMLElement) node.dataset.blockType = String(block.type);
    out.append(node);
  }
  return out;
}

export function renderElement(element: Raw, block: Raw, context: RenderContext): Node {
  const draw = ELEMENTS[element.type as ElementType] as
    ((element: Raw, block: Raw, context: RenderContext) => Node) | undefined;
  const node = draw ? draw(element, block, context) : unsupported('element', element.type);
  if (node instanceof HTMLElement) node.dataset.elementType = String(element.type);
  return node;
}

const BLOCKS: Record<BlockType, (block: Raw, context: RenderContext) => Node> = {
  header: (block, { names }) => el('div', 'header', textObject(block.text, names)),
  divider: () => el('hr', 'divider'),
  section: (block, context) => {
    const body = el('div', 'section-body');
    if (block.text) body.append(el('div', 'section-text', textObject(block.text, context.names)));
    const fields = (block.fields as unknown[] | undefined) ?? [];
    if (fields.length > 0)
      body.append(el('div', 'fields', ...fields.map((field) => el('div', 'field', textObject(field, context.names)))));
    const section = el('div', 'section', body);
    if (block.accessory) section.append(el('div', 'accessory', renderElement(block.accessory as Raw, block, context)));
    return section;
  },
  context: (block, context) =>
    el(
      'div',
      'context',
      ...((block.elements as Raw[] | undefined) ?? []).map((item) => renderElement(item, block, context)),
    ),
  actions: (block, context) =>
    el(
      'div',
      'actions',
      ...((block.elements as Raw[] | undefined) ?? []).map((item) => renderElement(item, block, context)),
    ),
  image: (block, context) => {
    const figure = el('figure', 'image-block');
    if (block.title) figure.append(el('figcaption', '', textObject(block.title, context.names)));
    figure.append(image(block));
    return figure;
  },
  input: (block, context) => {
    const element = (block.element ?? {}) as Raw;
    const label = el('label', 'input-label', textObject(block.label, context.names));
    if (block.optional) label.append(el('span', 'optional', ' (optional)'));
    const wrap = el('div', 'input', label, renderElement(element, block, context));
    if (block.hint) wrap.append(el('div', 'hint', textObject(block.hint, context.names)));
    const error = context.surface.kind === 'modal' ? context.surface.errors[String(block.block_id)] : undefined;
    if (error) wrap.append(el('div', 'input-error', error));
    return wrap;
  },
  rich_text: (block, context) => el('div', 'rich-text', ...richText((block.elements as Raw[]) ?? [], context.names)),
};

function image(item: Raw): HTMLElement {
  const img = el('img', 'image') as HTMLImageElement;
  img.alt = String(item.alt_text ?? '');
  const url = String(item.image_url ?? '');
  if (/^https?:/.test(url)) img.src = url;
  return img;
}

function richText(elements: Raw[], names: Names): Node[] {
  return elements.map((part) => {
    const children = ((part.elements as Raw[] | undefined) ?? []).map((item) =>
      item.type === 'text' ? inlineStyled(item) : richInline(item, names),
    );
    if (part.type === 'rich_text_preformatted') return el('pre', 'pre', ...children);
    if (part.type === 'rich_text_quote') return el('blockquote', 'quote', ...children);
    if (part.type === 'rich_text_list')
      return el(
        part.style === 'ordered' ? 'ol' : 'ul',
        '',
        ...richText((part.elements as Raw[]) ?? [], names).map((item) => el('li', '', item)),
      );
    return el('div', 'rich-section', ...children);
  });
}

function inlineStyled(item: Raw): Node {
  const style = (item.style ?? {}) as Record<string, boolean>;
  let node: Node = document.createTextNode(String(item.text ?? ''));
  if (style.code) node = el('code', '', node);
  if (style.bold) node = el('b', '', node);
  if (style.italic) node = el('i', '', node);
  if (style.strike) node = el('s', '', node);
  return node;
}

function richInline(item: Raw, names: Names): Node {
  if (item.type === 'link') return inline(`<${String(item.url)}|${String(item.text ?? item.url)}>`, names);
  if (item.type === 'user') return inline(`<@${String(item.user_id)}>`, names);
  if (item.type === 'channel') return inline(`<#${String(item.channel_id)}>`, names);
  if (item.type === 'emoji') return document.createTextNode(emoji(String(item.name)));
  if (item.type === 'usergroup') return inline(`<!subteam^${String(item.usergroup_id)}>`, names);
  return unsupported('rich text', item.type);
}

// Presses an element: asks first when the element carries a confirm dialog, as Slack does.
async function press(element: Raw, context: RenderContext, extra: Record<string, unknown>): Promise<void> {
  if (context.surface.kind === 'modal') return;
  if (element.confirm && !(await context.confirm(element.confirm as Confirm))) return;
  // A Home tab's buttons carry no message: Slack sends them from the view.
  if (context.surface.kind === 'home')
    return context.act('homeClick', { actionId: String(element.action_id), ...extra });
  await context.act('click', {
    messageTs: context.surface.ts,
    actionId: String(element.action_id),
    ...extra,
  });
}

function optionsOf(element: Raw): Option[] {
  const groups = (element.option_groups as { options?: Option[] }[] | undefined) ?? [];
  return [...((element.options as Option[] | undefined) ?? []), ...groups.flatMap((group) => group.options ?? [])];
}

function dataFor(node: HTMLElement, element: Raw, block: Raw): HTMLElement {
  node.dataset.actionId = String(element.action_id ?? '');
  node.dataset.blockId = String(block.block_id ?? '');
  node.dataset.type = String(element.type);
  return node;
}

const ELEMENTS: Record<ElementType, (element: Raw, block: Raw, context: RenderContext) => Node> = {
  mrkdwn: (element, _block, { names }) => el('span', 'context-text', textObject(element, names)),
  plain_text: (element, _block, { names }) => el('span', 'context-text', textObject(element, names)),
  image: (element) => image(element),
  button: (element, block, context) => {
    const button = el(
      'button',
      `button ${String(element.style ?? '')}`.trim(),
      textObject(element.text, context.names),
    );
    (button as HTMLButtonElement).type = 'button';
    button.addEventListener('click', () => void press(element, context, element.value ? { value: element.value } : {}));
    if (element.url && /^https?:/.test(String(element.url))) button.title = String(element.url);
    return dataFor(button, element, block);
  },
  overflow: (element, block, context) => chooser(element, block, context, '⋯'),
  static_select: (element, block, context) => chooser(element, block, context, plain(element.placeholder) || 'Select…'),
  multi_static_select: (element, block) => {
    const select = el('select', 'multi-select') as HTMLSelectElement;
    select.multiple = true;
    const initial = new Set(((element.initial_options as Option[] | undefined) ?? []).map((option) => option.value));
    for (const option of optionsOf(element)) select.append(optionNode(option, initial.has(option.value)));
    return dataFor(select, element, block);
  },
  checkboxes: (element, block, context) => ticks(element, block, context, 'checkbox'),
  radio_buttons: (element, block, context) => ticks(element, block, context, 'radio'),
  plain_text_input: (element, block) => {
    const input = (element.multiline ? el('textarea', 'text-input') : el('input', 'text-input')) as HTMLInputElement;
    input.value = String(element.initial_value ?? '');
    input.placeholder = plain(element.placeholder);
    return dataFor(input, element, block);
  },
  datepicker: (element, block) => {
    const input = el('input', 'date-input') as HTMLInputElement;
    input.type = 'date';
    input.value = String(element.initial_date ?? '');
    return dataFor(input, element, block);
  },
};

function optionNode(option: Option, selected: boolean): HTMLOptionElement {
  const node = el('option', '', unescapeEntities(plain(option.text))) as HTMLOptionElement;
  node.value = String(option.value ?? '');
  node.selected = selected;
  return node;
}

// static_select and overflow: a menu; in a message, choosing sends the chosen option at once.
function chooser(element: Raw, block: Raw, context: RenderContext, prompt: string): HTMLElement {
  const select = el('select', element.type === 'overflow' ? 'overflow' : 'select') as HTMLSelectElement;
  const placeholder = el('option', '', prompt) as HTMLOptionElement;
  placeholder.value = '';
  select.append(placeholder);
  const initial = (element.initial_option as Option | undefined)?.value;
  for (const option of optionsOf(element)) select.append(optionNode(option, option.value === initial));
  select.addEventListener('change', () => {
    if (context.surface.kind !== 'message' || !select.value) return;
    void press(element, context, { selectedOption: { value: select.value } });
  });
  return dataFor(select, element, block);
}

// checkboxes and radio_buttons: in a message a tick sends every ticked option, as Slack does.
function ticks(element: Raw, block: Raw, context: RenderContext, kind: 'checkbox' | 'radio'): HTMLElement {
  const group = dataFor(el('div', `${kind}-group`), element, block);
  const initial = [
    ...((element.initial_options as Option[] | undefined) ?? []),
    ...(element.initial_option ? [element.initial_option as Option] : []),
  ].map((option) => option.value);
  const name = `${String(block.block_id)}-${String(element.action_id)}`;
  for (const option of optionsOf(element)) {
    const input = el('input') as HTMLInputElement;
    Object.assign(input, {
      type: kind,
      name,
      value: String(option.value ?? ''),
      checked: initial.includes(option.value),
    });
    const label = el('label', 'tick', input, el('span', '', textObject(option.text, context.names)));
    if (option.description) label.append(el('span', 'tick-description', textObject(option.description, context.names)));
    group.append(label);
    input.addEventListener('change', () => {
      const chosen = [...group.querySelectorAll('input')]
        .filter((box) => box.checked)
        .map((box) => ({ value: box.value }));
      const extra = kind === 'checkbox' ? { selectedOptions: chosen } : { selectedOption: chosen[0] };
      void press(element, context, extra);
    });
  }
  return group;
}
