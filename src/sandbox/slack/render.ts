// Block Kit as readable terminal text, with every button listed by its action id, so a person
// can follow (and press) what the bot posted without a Slack client.
type Element = Record<string, unknown>;

export function renderMrkdwn(text: string, names: Map<string, string> = new Map()): string {
  return text
    .replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, (_, id: string) => `@${names.get(id) ?? id}`)
    .replace(/<#([CG][A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, name?: string) => `#${name || names.get(id) || id}`)
    .replace(
      /<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g,
      (_, id: string, handle?: string) => handle ?? `@${names.get(id) ?? 'group'}`,
    )
    .replace(/<!date\^(\d+)\^([^|>]*)(?:\|([^>]*))?>/g, (_, seconds: string, format: string, fallback?: string) =>
      format === '{ago}' ? ago(Number(seconds)) : (fallback ?? seconds),
    )
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1');
}

// Slack renders {ago} live in the client; the terminal shows it as of printing.
function ago(seconds: number): string {
  const elapsed = Math.max(0, Math.round(Date.now() / 1000 - seconds));
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

export function renderBlocks(blocks: unknown[], fallback: string, names: Map<string, string> = new Map()): string {
  if (!Array.isArray(blocks) || blocks.length === 0) return renderMrkdwn(fallback, names);
  return (blocks as Element[]).flatMap((raw) => renderBlock(raw, fallback, names)).join('\n');
}

function renderBlock(raw: Element, fallback: string, names: Map<string, string>): string[] {
  const mrkdwn = (element: unknown) => renderMrkdwn(plain(element), names);
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
      return [renderMrkdwn(fallback, names)];
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
  if (raw.accessory && (raw.accessory as Element).type === 'button')
    lines.push(`  ${button(raw.accessory as Element)}`);
  return lines;
}

function renderAction(element: Element, mrkdwn: (element: unknown) => string): string[] {
  if (element.type === 'button') return [`  ${button(element)}`];
  if (element.type !== 'checkboxes') return [`  (${String(element.type)})`];
  const ticked = new Set(((element.initial_options as Element[] | undefined) ?? []).map((option) => option.value));
  return ((element.options as Element[] | undefined) ?? []).map(
    (option) => `  [${ticked.has(option.value) ? 'x' : ' '}] ${mrkdwn(option.text)}`,
  );
}
