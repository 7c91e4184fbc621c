// Text people typed, made inert in Slack mrkdwn: the three characters Slack asks apps to escape.
// The command grammar decodes the entities Slack sends (`&lt;!here&gt;` → `<!here>`) so commands
// read naturally; without this, that text posted back would ping @here or hide a link.
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function unesc(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// Text Slack wrote (a message someone pinned) keeps its user and channel mentions and links, but
// broadcast mentions lose their ping when ops-bot quotes it.
export function quietMentions(text: string): string {
  return text
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>/g, (_match, handle?: string) => handle ?? '@group');
}
