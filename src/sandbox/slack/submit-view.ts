import type { SlackDriver } from './driver.ts';
import type { SimulatorSurface } from './surface.ts';

type ViewBlock = { block_id?: string; element?: { type?: string } };

// Submits the form the bot opened most recently with this callback_id, filling its inputs from
// `fields` (block_id → text; a select takes the option's value, a multi-select a comma list).
export async function submitLatest(
  sim: SimulatorSurface,
  driver: SlackDriver,
  request: { as: string; callbackId: string; fields: Record<string, string> },
) {
  const opened = [...sim.workspace.views]
    .reverse()
    .map((entry) => entry.view as { callback_id?: string; private_metadata?: string; blocks?: ViewBlock[] })
    .find((view) => view.callback_id === request.callbackId);
  if (!opened) throw new Error(`no form ${request.callbackId} was opened; press its button first`);
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of opened.blocks ?? []) {
    const given = block.block_id ? request.fields[block.block_id] : undefined;
    if (!block.block_id || given === undefined) continue;
    const type = block.element?.type ?? 'plain_text_input';
    const value =
      type === 'static_select'
        ? { type, selected_option: { value: given } }
        : type === 'multi_static_select'
          ? {
              type,
              selected_options: given
                .split(',')
                .filter(Boolean)
                .map((item) => ({ value: item.trim() })),
            }
          : { type, value: given };
    values[block.block_id] = { value };
  }
  return driver.submitView(request.as, {
    callbackId: request.callbackId,
    ...(opened.private_metadata ? { privateMetadata: opened.private_metadata } : {}),
    values,
  });
}
