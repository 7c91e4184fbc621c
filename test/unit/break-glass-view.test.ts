import { describe, expect, it } from '@jest/globals';
import { breakGlassModal, type BreakGlassForm } from '../../src/bot/views/break-glass-modal.ts';

const END = new Date('2026-12-07T07:00:00Z');
const FORM: BreakGlassForm = {
  freeze: { name: 'weekend', start: new Date('2026-12-04T15:00:00Z'), end: END },
  what: 'Roll back *checkout* in *production* to 1.4.1.',
  approvers: '1 of @incident-commanders',
  incident: undefined,
  inputs: [],
  metadata: '{"kind":"restore","channel":"C1","backupId":"orders-1"}',
};

type Input = { block_id: string; element: { initial_value?: string; min_length?: number } };
const blocksOf = (form: BreakGlassForm) => breakGlassModal(form).blocks as Record<string, unknown>[];
const reasonOf = (form: BreakGlassForm) =>
  blocksOf(form).find((block) => block.block_id === 'break_glass_reason') as Input;

describe('the break-glass form', () => {
  it('names the freeze and its end as a Slack date, with the UTC time as the fallback', () => {
    const text = JSON.stringify(blocksOf(FORM)[0]);
    expect(text).toContain(`The freeze *weekend* is in force until <!date^${END.getTime() / 1000}^`);
    expect(text).toContain('|2026-12-07 07:00 UTC>');
  });

  it('asks for a reason of at least 10 characters, offering the incident when there is one', () => {
    expect(reasonOf(FORM).element).toMatchObject({ min_length: 10 });
    expect(reasonOf(FORM).element.initial_value).toBeUndefined();
    const offered = reasonOf({ ...FORM, incident: 'incident #inc-1 P1 checkout errors' });
    expect(offered.element.initial_value).toBe('incident #inc-1 P1 checkout errors');
  });

  it('places the change’s own inputs before the reason, and carries the binding as it was given', () => {
    const modal = breakGlassModal({ ...FORM, inputs: [{ type: 'input', block_id: 'target' }] });
    const ids = (modal.blocks as { block_id?: string }[]).map((block) => block.block_id).filter(Boolean);
    expect(ids).toEqual(['freeze', 'change', 'target', 'break_glass_reason']);
    expect(modal.private_metadata).toBe(FORM.metadata);
  });

  it('escapes a freeze name that looks like mrkdwn', () => {
    const text = JSON.stringify(blocksOf({ ...FORM, freeze: { ...FORM.freeze, name: '<!channel> & co' } })[0]);
    expect(text).toContain('&lt;!channel&gt; &amp; co');
  });
});
