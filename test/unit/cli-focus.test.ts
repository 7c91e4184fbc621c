import { describe, expect, it } from '@jest/globals';
import type { Call } from '../../src/sandbox/cli-calls.ts';
import { Focus } from '../../src/sandbox/cli-focus.ts';

let seq = 0;
const call = (method: string, args: Record<string, unknown>, result: Call['result'] = {}): Call => ({
  seq: (seq += 1),
  method,
  args,
  ok: true,
  result,
});

// What `npm run slack` keeps of the workspace's activity after a command: bob's, in #deploys.
describe('a command’s focus', () => {
  it('leaves out another person’s request in another channel', () => {
    const focus = new Focus('C0DEPLOYS01', 'U0BOB00002');
    const other = call('chat.postMessage', { channel: 'C0APPROVALS', text: '<@U0CAROL003> asks (BREAK-GLASS)' });
    expect(focus.take(other, 'carol’s request', [])).toEqual([]);
  });

  it('keeps what names the person, the command’s channel, or a job it started', () => {
    const focus = new Focus('C0DEPLOYS01', 'U0BOB00002');
    expect(focus.take(call('chat.postMessage', { channel: 'C0DEPLOYS01', text: 'x' }), 'in deploys', [])).toEqual([
      'in deploys',
    ]);
    const approval = call('chat.postMessage', { channel: 'C0APPROVALS', text: '<@U0BOB00002> asks' });
    expect(focus.take(approval, 'bob asks', [])).toEqual(['bob asks']);
    const job = call('chat.postMessage', { channel: 'C0ENGLEADS1', text: 'job `deploy-0123456789abcdef`' });
    expect(focus.take(job, 'the job', ['deploy-0123456789abcdef'])).toEqual(['the job']);
  });

  it('holds a channel’s set-up back until something shown names the channel, then prints it first', () => {
    const focus = new Focus('C0GENERAL01', 'U0BOB00002');
    const created = call('conversations.create', { name: 'inc-x' }, { channel: { id: 'CSIM0000006' } });
    expect(focus.take(created, 'created #inc-x', [])).toEqual([]);
    expect(focus.take(call('conversations.setTopic', { channel: 'CSIM0000006' }), 'topic', [])).toEqual([]);
    const declared = call('chat.postMessage', { channel: 'C0GENERAL01', text: 'declared in <#CSIM0000006>' });
    expect(focus.take(declared, 'declared', [])).toEqual(['created #inc-x', 'topic', 'declared']);
    expect(focus.take(call('pins.add', { channel: 'CSIM0000006' }), 'pinned', [])).toEqual(['pinned']);
  });
});
