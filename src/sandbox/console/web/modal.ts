import { el, renderBlocks, textObject, type RenderContext } from './blocks.ts';
import type { ConsoleModal } from './types.ts';

type Value = {
  type: string;
  value?: string;
  selected_option?: { value: string } | null;
  selected_options?: { value: string }[];
  selected_date?: string | null;
};

// A modal the bot opened for the current person: its blocks, and Submit / Cancel. Submitting
// sends view_submission with state.values read from the inputs (block_id → action_id → value).
export function renderModal(
  modal: ConsoleModal,
  context: Omit<RenderContext, 'surface'>,
  submit: (values: Record<string, Record<string, Value>>) => void,
  close: () => void,
): HTMLElement {
  const view = modal.view;
  const body = renderBlocks((view.blocks as unknown[] | undefined) ?? [], {
    ...context,
    surface: { kind: 'modal', errors: modal.errors ?? {} },
  });
  const form = el('form', 'modal', el('h2', 'modal-title', textObject(view.title, context.names)), body);
  const cancel = el('button', 'button', view.close ? textObject(view.close, context.names) : 'Cancel');
  (cancel as HTMLButtonElement).type = 'button';
  cancel.addEventListener('click', close);
  const buttons = el('div', 'modal-buttons', cancel);
  if (view.submit) buttons.append(el('button', 'button primary', textObject(view.submit, context.names)));
  form.append(buttons);
  form.dataset.callbackId = String(view.callback_id ?? '');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit(valuesOf(form));
  });
  return el('div', 'modal-backdrop', form);
}

function valuesOf(form: HTMLElement): Record<string, Record<string, Value>> {
  const values: Record<string, Record<string, Value>> = {};
  for (const input of form.querySelectorAll<HTMLElement>('.input [data-action-id]')) {
    const { blockId = '', actionId = '', type = '' } = input.dataset;
    values[blockId] = { ...values[blockId], [actionId]: valueOf(input, type) };
  }
  return values;
}

function valueOf(input: HTMLElement, type: string): Value {
  const ticked = () =>
    [...input.querySelectorAll<HTMLInputElement>('input')]
      .filter((box) => box.checked)
      .map((box) => ({ value: box.value }));
  if (input instanceof HTMLSelectElement && type === 'multi_static_select')
    return { type, selected_options: [...input.selectedOptions].map((option) => ({ value: option.value })) };
  if (input instanceof HTMLSelectElement) return { type, selected_option: input.value ? { value: input.value } : null };
  if (type === 'checkboxes') return { type, selected_options: ticked() };
  if (type === 'radio_buttons') return { type, selected_option: ticked()[0] ?? null };
  if (type === 'datepicker') return { type, selected_date: (input as HTMLInputElement).value || null };
  return { type, value: (input as HTMLInputElement).value };
}
