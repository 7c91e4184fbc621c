import type { ConsoleState } from './types.ts';

// Slack's mrkdwn as DOM nodes. Text only ever reaches the page as text nodes (never innerHTML), so
// whatever the bot or a person wrote cannot become markup.
export type Names = Pick<ConsoleState, 'users' | 'channels' | 'groups'>;

const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  warning: '⚠️',
  x: '❌',
  hourglass_flowing_sand: '⏳',
  hourglass: '⌛',
  rotating_light: '🚨',
  fast_forward: '⏩',
  rewind: '⏪',
  leftwards_arrow_with_hook: '↩️',
  octagonal_sign: '🛑',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  grey_question: '❔',
  floppy_disk: '💾',
  white_circle: '⚪',
  red_circle: '🔴',
  large_green_circle: '🟢',
  telephone_receiver: '📞',
  signal: '📶',
  information_source: 'ℹ️',
  double_vertical_bar: '⏸️',
  arrows_counterclockwise: '🔄',
  arrow_forward: '▶️',
  wastebasket: '🗑️',
  twisted_rightwards_arrows: '🔀',
  snowflake: '❄️',
  recycle: '♻️',
  ok_hand: '👌',
  lock: '🔒',
  clipboard: '📋',
  broom: '🧹',
  alarm_clock: '⏰',
  wave: '👋',
  stethoscope: '🩺',
  rocket: '🚀',
  pushpin: '📌',
  package: '📦',
  eyes: '👀',
  tada: '🎉',
  thumbsup: '👍',
  '+1': '👍',
  heavy_check_mark: '✔️',
  memo: '📝',
  bell: '🔔',
  fire: '🔥',
  calendar: '📅',
  file_cabinet: '🗄️',
  hatching_chick: '🐣',
  heavy_multiplication_x: '✖️',
  label: '🏷️',
  large_blue_circle: '🔵',
  large_orange_circle: '🟠',
  large_yellow_circle: '🟡',
  mag: '🔍',
  mega: '📣',
};

export function emoji(name: string): string {
  return EMOJI[name] ?? `:${name}:`;
}

export function unescapeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function el(tag: string, className: string, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

export function mrkdwn(text: string, names: Names): DocumentFragment {
  const out = document.createDocumentFragment();
  const parts = text.split(/```([\s\S]*?)```/);
  parts.forEach((part, index) => {
    if (index % 2 === 1) out.append(el('pre', 'pre', unescapeEntities(part.replace(/^\n/, ''))));
    else out.append(paragraphs(part, names));
  });
  return out;
}

// Lines starting with "> " (escaped by Slack as "&gt; ") are quotes; the rest are inline text.
function paragraphs(text: string, names: Names): DocumentFragment {
  const out = document.createDocumentFragment();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const quote = /^(&gt;|>) ?/.exec(line);
    if (quote) out.append(el('blockquote', 'quote', inline(line.slice(quote[0].length), names)));
    else {
      out.append(inline(line, names));
      if (index < lines.length - 1 && !/^(&gt;|>) ?/.test(lines[index + 1] ?? '')) out.append(el('br', ''));
    }
  });
  return out;
}

const INLINE =
  /(<[^<>\n]+>)|(`[^`\n]+`)|(?<![\w*])\*([^*\n]+)\*(?![\w*])|(?<![\w])_([^_\n]+)_(?![\w])|(?<![\w~])~([^~\n]+)~(?![\w~])|:([a-z0-9_+-]+):/g;

export function inline(text: string, names: Names): DocumentFragment {
  const out = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    out.append(unescapeEntities(text.slice(last, match.index)));
    last = match.index + match[0].length;
    const [, special, code, bold, italic, strike, shortcode] = match;
    if (special) out.append(specialToken(special.slice(1, -1), names));
    else if (code) out.append(el('code', '', unescapeEntities(code.slice(1, -1))));
    else if (bold !== undefined) out.append(el('b', '', inline(bold, names)));
    else if (italic !== undefined) out.append(el('i', '', inline(italic, names)));
    else if (strike !== undefined) out.append(el('s', '', inline(strike, names)));
    else if (shortcode) out.append(el('span', 'emoji', emoji(shortcode)));
  }
  out.append(unescapeEntities(text.slice(last)));
  return out;
}

// <@U…>, <#C…|name>, <!subteam^S…>, <!date^…>, <!here>, <url|text>: what Slack's angle brackets hold.
function specialToken(body: string, names: Names): Node {
  const [target = '', label] = splitOnce(body, '|');
  if (target.startsWith('@')) {
    const user = names.users.find((candidate) => candidate.id === target.slice(1));
    return el('span', 'mention', `@${user?.name ?? label ?? target.slice(1)}`);
  }
  if (target.startsWith('#')) {
    const channel = names.channels.find((candidate) => candidate.id === target.slice(1));
    return el('span', 'mention channel-link', `#${label || channel?.name || target.slice(1)}`);
  }
  if (target.startsWith('!subteam^')) {
    const group = names.groups.find((candidate) => candidate.id === target.slice(9));
    return el('span', 'mention', label ?? `@${group?.handle ?? 'group'}`);
  }
  if (target.startsWith('!date^')) return el('span', 'date', slackDate(target, label));
  if (target.startsWith('!')) return el('span', 'mention', `@${target.slice(1)}`);
  return link(unescapeEntities(target), unescapeEntities(label ?? target));
}

function link(href: string, text: string): Node {
  if (!/^(https?:|mailto:)/i.test(href)) return document.createTextNode(text);
  const anchor = el('a', '', text) as HTMLAnchorElement;
  anchor.href = href;
  anchor.target = '_blank';
  anchor.rel = 'noopener noreferrer';
  return anchor;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

// <!date^1700000000^{date_short_pretty} at {time}|fallback>, drawn in the browser's time zone as Slack does.
export function slackDate(token: string, fallback: string | undefined): string {
  const [, seconds = '', format = ''] = token.split('^');
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) return fallback ?? token;
  const day = (options: Intl.DateTimeFormatOptions) => date.toLocaleDateString('en-US', options);
  const parts: Record<string, string> = {
    date_num: date.toISOString().slice(0, 10),
    date: day({ month: 'long', day: 'numeric', year: 'numeric' }),
    date_short: day({ month: 'short', day: 'numeric', year: 'numeric' }),
    date_long: day({ weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }),
    date_pretty: day({ month: 'long', day: 'numeric', year: 'numeric' }),
    date_short_pretty: day({ month: 'short', day: 'numeric', year: 'numeric' }),
    date_long_pretty: day({ weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }),
    time: date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }),
    time_secs: date.toLocaleTimeString('en-GB'),
    ago: ago(date),
  };
  let unknown = false;
  const text = format.replace(/\{(\w+)\}/g, (whole, name: string) => parts[name] ?? ((unknown = true), whole));
  return unknown ? (fallback ?? text) : text;
}

function ago(date: Date): string {
  const seconds = Math.round((Date.now() - date.getTime()) / 1000);
  const future = seconds < 0;
  const span = Math.abs(seconds);
  const [count, unit] =
    span < 60 ? [span, 'second'] : span < 3600 ? [Math.floor(span / 60), 'minute'] : [Math.floor(span / 3600), 'hour'];
  const amount = `${count} ${unit}${count === 1 ? '' : 's'}`;
  return future ? `in ${amount}` : `${amount} ago`;
}
