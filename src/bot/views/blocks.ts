// Small Block Kit builders. Slack's limits (section text 3000, context element 2000,
// header 150, button text 75, 50 blocks) are applied here once.
export type Block = Record<string, unknown>;
export type View = { text: string; blocks: Block[] };

function fit(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: fit(text, 150), emoji: true } };
}

export function section(markdown: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: fit(markdown, 3000) } };
}

export function fields(pairs: [string, string][]): Block {
  return {
    type: 'section',
    fields: pairs.slice(0, 10).map(([label, value]) => ({ type: 'mrkdwn', text: fit(`*${label}*\n${value}`, 2000) })),
  };
}

export function context(...markdown: string[]): Block {
  return {
    type: 'context',
    elements: markdown.slice(0, 10).map((text) => ({ type: 'mrkdwn', text: fit(text, 2000) })),
  };
}

export function divider(): Block {
  return { type: 'divider' };
}

export type Button = {
  actionId: string;
  text: string;
  value?: string;
  style?: 'primary' | 'danger';
  url?: string;
  confirm?: { title: string; text: string; confirm: string; deny: string };
};

export function actions(blockId: string, buttons: Button[]): Block {
  return {
    type: 'actions',
    block_id: blockId,
    elements: buttons.slice(0, 25).map((button) => ({
      type: 'button',
      action_id: button.actionId,
      text: { type: 'plain_text', text: fit(button.text, 75), emoji: true },
      ...(button.value !== undefined ? { value: fit(button.value, 2000) } : {}),
      ...(button.style ? { style: button.style } : {}),
      ...(button.url ? { url: button.url } : {}),
      ...(button.confirm
        ? {
            confirm: {
              title: { type: 'plain_text', text: button.confirm.title },
              text: { type: 'mrkdwn', text: button.confirm.text },
              confirm: { type: 'plain_text', text: button.confirm.confirm },
              deny: { type: 'plain_text', text: button.confirm.deny },
            },
          }
        : {}),
    })),
  };
}

export function view(text: string, blocks: Block[]): View {
  return { text: fit(text, 3000), blocks: blocks.slice(0, 50) };
}

// Slack does not resolve a mention inside a code span: `by <@U0BOB00002>` would show the raw id. Mentions and
// channel links are therefore left outside, with the text around them in code.
export function code(text: string): string {
  return text
    .replace(/`/g, "'")
    .split(/(<[@#!][^>]+>)/)
    .map((part) => (/^<[@#!]/.test(part) ? part : part.trim() ? `\`${part.trim()}\`` : ''))
    .filter(Boolean)
    .join(' ');
}

export function ago(from: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - from.getTime()) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

// A time Slack shows in each reader's own zone (`format` is Slack's date token syntax); the fallback
// is what clients that cannot render the token show.
export function slackDate(
  at: Date,
  format: string,
  fallback = at.toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
): string {
  return `<!date^${Math.floor(at.getTime() / 1000)}^${format}|${fallback}>`;
}

// A reason as a list line shows it: at most 80 characters, the rest cut with an ellipsis.
export function shortReason(reason: string): string {
  return reason.length > 80 ? `${reason.slice(0, 79)}…` : reason;
}

// A modal view: Slack's envelope around a form's blocks. `metadata` travels back in view_submission as
// private_metadata (an object is sent as JSON).
export function modalView(spec: {
  callbackId: string;
  metadata: string | Record<string, unknown>;
  title: string;
  submit: string;
  close: string;
  blocks: unknown[];
}): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: spec.callbackId,
    private_metadata: typeof spec.metadata === 'string' ? spec.metadata : JSON.stringify(spec.metadata),
    title: { type: 'plain_text', text: spec.title },
    submit: { type: 'plain_text', text: spec.submit },
    close: { type: 'plain_text', text: spec.close },
    blocks: spec.blocks,
  };
}
