import { randomBytes } from 'node:crypto';
import type { RecordedCall } from '../slack/surface.ts';

export type OpenModal = {
  viewId: string;
  user: string;
  view: Record<string, unknown>;
  errors?: Record<string, string>;
};

// Which person each modal the bot opened belongs to. Slack knows it from the trigger_id; so does the
// console: every action it sends carries a trigger_id it made, and views.open names that trigger.
export class ModalTracker {
  readonly #triggers = new Map<string, string>();
  // Per person, the stack of open modals (views.push adds one on top; Slack shows the top one).
  readonly #open = new Map<string, OpenModal[]>();

  newTrigger(userId: string): string {
    const trigger = `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
    this.#triggers.set(trigger, userId);
    return trigger;
  }

  observe(call: RecordedCall): void {
    if (!call.ok) return;
    if (call.method === 'views.open' || call.method === 'views.push') {
      const user = this.#triggers.get(String(call.args.trigger_id));
      const view = viewOf(call.args.view);
      const viewId = (call.result?.view as { id?: string } | undefined)?.id;
      if (!user || !view || !viewId) return;
      const stack = call.method === 'views.open' ? [] : (this.#open.get(user) ?? []);
      this.#open.set(user, [...stack, { viewId, user, view }]);
    }
    if (call.method === 'views.update') {
      const view = viewOf(call.args.view);
      const found = this.find(String(call.args.view_id));
      if (found && view) Object.assign(found, { view, errors: undefined });
    }
  }

  find(viewId: string): OpenModal | undefined {
    for (const stack of this.#open.values()) {
      const modal = stack.find((candidate) => candidate.viewId === viewId);
      if (modal) return modal;
    }
    return undefined;
  }

  // What the bot's answer to a view_submission asks for: errors keep it open, update replaces it,
  // push stacks a new one, anything else (clear, or an empty ack) closes it.
  answered(modal: OpenModal, ack: Record<string, unknown> | undefined): void {
    const action = ack?.response_action;
    if (action === 'errors') {
      modal.errors = (ack?.errors as Record<string, string> | undefined) ?? {};
      return;
    }
    const view = viewOf(ack?.view);
    if (action === 'update' && view) return void Object.assign(modal, { view, errors: undefined });
    if (action === 'push' && view) {
      const stack = this.#open.get(modal.user) ?? [];
      this.#open.set(modal.user, [...stack, { viewId: `V${randomBytes(5).toString('hex')}`, user: modal.user, view }]);
      return;
    }
    if (action === 'clear') return void this.#open.delete(modal.user);
    this.close(modal);
  }

  close(modal: OpenModal): void {
    const stack = (this.#open.get(modal.user) ?? []).filter((candidate) => candidate !== modal);
    this.#open.set(modal.user, stack);
  }

  // The top modal of each person: what each of them sees.
  visible(): OpenModal[] {
    return [...this.#open.values()].flatMap((stack) => stack.slice(-1));
  }
}

function viewOf(raw: unknown): Record<string, unknown> | undefined {
  const parsed: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
}
