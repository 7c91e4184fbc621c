import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResponseTarget, SlackDriver } from './driver.ts';
import type { SimulatorSurface } from './surface.ts';
import type { SimUser, Workspace } from './workspace.ts';
import { send } from './http-io.ts';
import { clockRoute } from './clock-control.ts';
import { scenesRoute } from './scenes-control.ts';
import { submitLatest } from './submit-view.ts';

// HTTP endpoints beside the Web API: response_url targets, and the control surface that
// `npm run slack` uses to drive a running sandbox.
export async function controlRoutes(
  sim: SimulatorSurface,
  driver: SlackDriver | undefined,
  req: IncomingMessage,
  url: URL,
  body: string,
  res: ServerResponse,
): Promise<void> {
  const [, , route, id] = url.pathname.split('/');
  if (route === 'respond' && id && req.method === 'POST') return respond(sim, driver, id, body, res);
  if (route === 'upload' && id && req.method === 'POST') return upload(sim, id, body, res);
  if (route === 'state' && req.method === 'GET') return send(res, 200, snapshot(sim));
  if (route === 'calls' && req.method === 'GET')
    return send(res, 200, { calls: sim.callsSince(Number(url.searchParams.get('after') ?? 0)), lastSeq: sim.lastSeq });
  if (route === 'drive' && req.method === 'POST') return drive(sim, driver, body, res);
  if (route === 'clock') return clockRoute(sim.clock, req.method ?? 'GET', body, res);
  if (route === 'scenes') return scenesRoute(sim.scenes, req.method ?? 'GET', id, res);
  if (route === 'job' && id && req.method === 'GET') {
    if (!sim.jobState) return send(res, 404, { ok: false, error: "this simulator cannot see the bot's jobs" });
    return send(res, 200, { ok: true, state: (await sim.jobState(id)) ?? 'unknown' });
  }
  send(res, 404, { ok: false, error: 'unknown_control_route' });
}

// The upload URL files.getUploadURLExternal hands out: the bytes of a file, before it is shared.
function upload(sim: SimulatorSurface, id: string, body: string, res: ServerResponse): void {
  const file = sim.workspace.files.get(id);
  if (!file) return send(res, 404, { ok: false, error: 'file_not_found' });
  file.content = body;
  sim.record('file_upload', { file: id, bytes: Buffer.byteLength(body) }, true, 200);
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`OK - ${Buffer.byteLength(body)}`);
}

function respond(
  sim: SimulatorSurface,
  driver: SlackDriver | undefined,
  id: string,
  body: string,
  res: ServerResponse,
): void {
  const target = driver?.responseTargets.get(id);
  if (!target) return send(res, 404, { ok: false, error: 'expired_url' });
  let message: Record<string, unknown>;
  try {
    message = JSON.parse(body) as Record<string, unknown>;
  } catch {
    sim.record('response_url', { body }, false, 400, 'invalid_payload');
    return send(res, 400, { ok: false, error: 'invalid_payload' });
  }
  // Recorded once applied, with the ts of what it posted, so a reader can press its buttons.
  const ts = applyResponse(sim.workspace, target, message);
  sim.record(
    'response_url',
    { ...message, channel: target.channel, user: target.user },
    true,
    200,
    undefined,
    ts ? { ts } : undefined,
  );
  send(res, 200, { ok: true });
}

// What a response_url message does: delete or replace the message it answers, post in the channel,
// or (the default) show an ephemeral message, replacing the person's earlier ones if asked.
function applyResponse(
  workspace: Workspace,
  target: ResponseTarget,
  message: Record<string, unknown>,
): string | undefined {
  const text = String(message.text ?? '');
  const blocks = (message.blocks as unknown[] | undefined) ?? [];
  const original =
    target.messageTs && !target.ephemeral ? workspace.message(target.channel, target.messageTs) : undefined;
  if (message.delete_original === true && original) {
    original.deleted = true;
    return undefined;
  }
  if (message.replace_original === true && original) {
    Object.assign(original, { text, blocks, edited: Math.floor(Date.now() / 1000) });
    return original.ts;
  }
  const ts = workspace.nextTs();
  if (message.response_type === 'in_channel')
    workspace.messages.push({
      ts,
      channel: target.channel,
      botId: workspace.botId,
      text,
      blocks,
      reactions: new Map(),
    });
  else {
    if (message.replace_original === true)
      for (const previous of workspace.ephemerals)
        if (previous.user === target.user && previous.channel === target.channel && !previous.replaced)
          previous.replaced = true;
    workspace.ephemerals.push({
      ts,
      channel: target.channel,
      user: target.user,
      text,
      blocks,
      via: 'response_url',
    });
  }
  return ts;
}

function snapshot(sim: SimulatorSurface) {
  const workspace = sim.workspace;
  return {
    users: [...workspace.users.values()],
    groups: [...workspace.groups.values()].map((group) => ({ id: group.id, handle: group.handle })),
    channels: [...workspace.channels.values()].map((channel) => ({
      id: channel.id,
      name: channel.name,
      topic: channel.topic,
      members: [...channel.members],
      archived: channel.archived,
      pins: [...channel.pins],
    })),
    messages: workspace.messages
      .filter((message) => !message.deleted)
      .map((message) => ({
        ...message,
        reactions: Object.fromEntries([...message.reactions].map(([name, users]) => [name, [...users]])),
      })),
    ephemerals: workspace.ephemerals.filter((message) => !message.replaced),
  };
}

type DriveRequest =
  | { kind: 'command'; as: string; line: string; channel?: string }
  | { kind: 'click'; as: string; messageTs?: string; actionId: string; value?: string; home?: boolean }
  | { kind: 'home'; as: string }
  | { kind: 'react'; as: string; messageTs: string; reaction: string; removed?: boolean }
  | { kind: 'say'; as: string; channel: string; text: string }
  | { kind: 'submit'; as: string; callbackId: string; fields: Record<string, string> };

async function drive(
  sim: SimulatorSurface,
  driver: SlackDriver | undefined,
  body: string,
  res: ServerResponse,
): Promise<void> {
  if (!driver) return send(res, 409, { ok: false, error: 'no bot connected to the simulator' });
  const request = JSON.parse(body) as DriveRequest;
  try {
    const before = sim.lastSeq;
    if (request.kind === 'say')
      return send(res, 200, { ok: true, ts: driver.say(request.as, request.channel, request.text), before });
    if (request.kind === 'submit') {
      const answer = await submitLatest(sim, driver, request);
      return send(res, 200, {
        ok: true,
        status: answer.status,
        ack: answer.json ?? (answer.body || undefined),
        before,
      });
    }
    if (request.kind === 'home' || (request.kind === 'click' && request.home)) {
      const answer =
        request.kind === 'home'
          ? await driver.openHome(request.as)
          : await driver.clickHome(request.as, {
              actionId: request.actionId,
              ...(request.value ? { value: request.value } : {}),
            });
      return send(res, 200, { ok: true, status: answer.status, before });
    }
    const answer =
      request.kind === 'command'
        ? await driver.command(request.as, request.line, request.channel ? { channel: request.channel } : {})
        : request.kind === 'click'
          ? await driver.click(request.as, {
              messageTs: request.messageTs ?? latestWith(sim.workspace, driver.user(request.as), request.actionId),
              actionId: request.actionId,
              ...(request.value ? { value: request.value } : {}),
            })
          : await driver.react(request.as, {
              messageTs: request.messageTs,
              reaction: request.reaction,
              ...(request.removed ? { removed: true } : {}),
            });
    const ackTs = 'ackTs' in answer ? answer.ackTs : undefined;
    const ack = answer.json ?? (answer.body || undefined);
    send(res, 200, { ok: true, status: answer.status, ack, before, ...(ackTs ? { ackTs } : {}) });
  } catch (error) {
    send(res, 400, { ok: false, error: (error as Error).message });
  }
}

// `--click <action-id>` without `--message`: the newest message, or ephemeral message of this person's,
// that carries the action.
function latestWith(workspace: Workspace, user: SimUser, actionId: string): string {
  const carries = (blocks: unknown[]) => JSON.stringify(blocks).includes(`"action_id":${JSON.stringify(actionId)}`);
  const seen = [
    ...workspace.messages.filter((message) => !message.deleted && carries(message.blocks)),
    ...workspace.ephemerals.filter(
      (message) => message.user === user.id && !message.replaced && carries(message.blocks),
    ),
  ];
  const newest = seen.sort((a, b) => Number(b.ts) - Number(a.ts))[0];
  if (!newest) throw new Error(`no message @${user.name} can see has a ${actionId}; pass --message <ts>`);
  return newest.ts;
}
