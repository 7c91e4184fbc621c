// Block Kit as readable terminal text, with every button listed by its action id, so a person
// can follow (and press) what the bot posted without a Slack client.
type Element = Record<string, unknown>;

// Slack escapes &, < and > in text; a person reads them unescaped (&amp; last, so "&amp;lt;" stays "&lt;").
export function unescapeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// `nowMs`: the sandbox's clock, so `{ago}` counts from the time the bot wrote by.
export function renderMrkdwn(text: string, names: Map<string, string> = new Map(), nowMs = Date.now()): string {
  const rendered = text
    .replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, (_, id: string) => `@${names.get(id) ?? id}`)
    .replace(/<#([CG][A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, name?: string) => `#${name || names.get(id) || id}`)
    .replace(
      /<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g,
      (_, id: string, handle?: string) => handle ?? `@${names.get(id) ?? 'group'}`,
    )
    .replace(/<!date\^(\d+)\^([^|>]*)(?:\|([^>]*))?>/g, (_, seconds: string, format: string, fallback?: string) =>
      format === '{ago}' ? ago(Number(seconds), nowMs) : (fallback ?? seconds),
    )
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1');
  return unescapeEntities(rendered);
}

// Slack renders {ago} live in the client; the terminal shows it as of printing.
function ago(seconds: number, nowMs: number): string {
  const elapsed = Math.max(0, Math.round(nowMs / 1000 - seconds));
  return elapsed < 60
    ? `${elapsed}s ago`
    : elapsed < 3600
      ? `${Math.floor(elapsed / 60)}m ago`
      : `${Math.floor(elapsed / 3600)}h ago`;
}

function plain(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'text' in value) return String((value as { text: unknown }).text);
  return '';
}

function elementsOf(block: Element): Element[] {
  return (block.elements as Element[] | undefined) ?? [];
}

function button(element: Element): string {
  const style = element.style ? ` (${String(element.style)})` : '';
  return `[ ${plain(element.text)} ] → --click ${String(element.action_id)}${style}`;
}

export function renderBlocks(
  blocks: unknown[],
  fallback: string,
  names: Map<string, string> = new Map(),
  nowMs = Date.now(),
): string {
  if (!Array.isArray(blocks) || blocks.length === 0) return renderMrkdwn(fallback, names, nowMs);
  const mrkdwn = (element: unknown) => renderMrkdwn(plain(element), names, nowMs);
  return (blocks as Element[]).flatMap((raw) => renderBlock(raw, mrkdwn(fallback), mrkdwn)).join('\n');
}

function renderBlock(raw: Element, fallback: string, mrkdwn: (element: unknown) => string): string[] {
  switch (raw.type) {
    case 'header':
      return [`== ${plain(raw.text)} ==`];
    case 'section':
      return renderSection(raw, mrkdwn);
    case 'context':
      return [`  ${elementsOf(raw).map(mrkdwn).join(' · ')}`];
    case 'divider':
      return ['  ────────'];
    case 'actions':
      return elementsOf(raw).flatMap((element) => renderAction(element, mrkdwn));
    case 'rich_text':
      return [fallback];
    default:
      return [`  (${String(raw.type)} block)`];
  }
}

// A section's text, its fields as "Label: value" (continuation lines indented), and a button beside it.
function renderSection(raw: Element, mrkdwn: (element: unknown) => string): string[] {
  const lines: string[] = [];
  if (raw.text) lines.push(mrkdwn(raw.text));
  for (const field of (raw.fields as Element[] | undefined) ?? [])
    lines.push(
      mrkdwn(field)
        .replace(/^\*([^*]+)\*\n/, '$1: ')
        .replace(/\n/g, '\n    '),
    );
  if (raw.accessory) lines.push(...renderAction(raw.accessory as Element, mrkdwn));
  return lines;
}

// Buttons, checkboxes and menus, each with the flags that press it.
function renderAction(element: Element, mrkdwn: (element: unknown) => string): string[] {
  if (element.type === 'button') return [`  ${button(element)}`];
  const options = [
    ...((element.options as Element[] | undefined) ?? []),
    ...((element.option_groups as Element[] | undefined) ?? []).flatMap(
      (group) => (group.options as Element[] | undefined) ?? [],
    ),
  ];
  const press = `--click ${String(element.action_id)} --value <option>`;
  if (element.type === 'checkboxes') {
    const ticked = new Set(((element.initial_options as Element[] | undefined) ?? []).map((option) => option.value));
    return [
      ...options.map(
        (option) => `  [${ticked.has(option.value) ? 'x' : ' '}] ${mrkdwn(option.text)} (${String(option.value)})`,
      ),
      `    → ${press} ticks or unticks one`,
    ];
  }
  if (['static_select', 'overflow', 'radio_buttons'].includes(String(element.type))) {
    const choices = options.map((option) => `${plain(option.text)} (${String(option.value)})`).join(' | ');
    const label = element.placeholder ? `${plain(element.placeholder)}: ` : '';
    return [`  ▾ ${label}${choices} → ${press}`];
  }
  return [`  (${String(element.type)})`];
}
