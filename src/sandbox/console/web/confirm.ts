import { el, textObject, type Confirm } from './blocks.ts';
import type { Names } from './mrkdwn.ts';

// A button's confirm object, asked as Slack asks it: title, text, and the two buttons it names.
export function confirmDialog(dialog: Confirm, names: Names): Promise<boolean> {
  return new Promise((resolve) => {
    const layer = document.getElementById('confirm')!;
    const answer = (yes: boolean) => {
      layer.replaceChildren();
      resolve(yes);
    };
    const deny = el('button', 'button confirm-deny', dialog.deny ? textObject(dialog.deny, names) : 'Cancel');
    const confirm = el(
      'button',
      `button confirm-yes ${dialog.style === 'danger' ? 'danger' : 'primary'}`,
      dialog.confirm ? textObject(dialog.confirm, names) : 'Confirm',
    );
    deny.addEventListener('click', () => answer(false));
    confirm.addEventListener('click', () => answer(true));
    const box = el(
      'div',
      'modal confirm-dialog',
      el('h2', 'modal-title', textObject(dialog.title ?? 'Are you sure?', names)),
      el('div', 'confirm-text', textObject(dialog.text, names)),
      el('div', 'modal-buttons', deny, confirm),
    );
    layer.replaceChildren(el('div', 'modal-backdrop', box));
  });
}
