import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readBody } from '../slack/http-io.ts';
import { ACTIONS, RdsFault, type Params } from './actions.ts';
import type { IamAuthorizer } from './iam.ts';
import { RdsState, type Tags } from './state.ts';
import { errorResponse, response } from './xml.ts';
import { closeNow, listenOn } from '../loopback.ts';

export type RdsCall = { action: string; params: Params; status: number; code?: string };

export const USER_ARN = 'arn:aws:iam::123456789012:user/ops-bot';
const noPolicyAllows = (action: string) => `no identity-based policy allows the rds:${action} action`;

// The RDS Query API on loopback: form-encoded POSTs with Action and Version, XML answers in the RDS
// namespace, XML error documents. The real @aws-sdk/client-rds reaches it through AWS_ENDPOINT_URL_RDS
// (or an endpoint option). Signatures are required to be present, not checked.
export class RdsSimulator {
  readonly state: RdsState;
  readonly calls: RdsCall[] = [];
  readonly #faults = new Map<string, { code: string; status: number; message: string; times: number }>();
  // Opt-in IAM (iam.ts): when set, every call its policy does not allow is refused with AccessDenied.
  iam: IamAuthorizer | undefined;
  #server: Server | undefined;
  #url = '';

  constructor(options: ConstructorParameters<typeof RdsState>[0] = {}) {
    this.state = new RdsState(options);
  }

  get url(): string {
    return this.#url;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#url = await listenOn(this.#server, port, host);
    return this.#url;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const params = Object.fromEntries(new URLSearchParams(body)) as Params;
    const action = params.Action ?? '';
    const requestId = randomUUID();
    const reply = (status: number, xml: string, code?: string) => {
      this.calls.push({ action, params, status, ...(code ? { code } : {}) });
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(xml);
    };
    const fail = (status: number, code: string, message: string, type?: 'Sender' | 'Receiver') =>
      reply(status, errorResponse(code, message, requestId, type), code);
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256'))
      return fail(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    const fault = this.#takeFault(action);
    if (fault) return fail(fault.status, fault.code, fault.message, fault.status >= 500 ? 'Receiver' : 'Sender');
    const refusal = ACTIONS[action] ? this.iam?.refusal(action, params, this.state) : undefined;
    if (refusal) return fail(403, 'AccessDenied', refusal);
    const implementation = ACTIONS[action];
    if (!implementation) return fail(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    try {
      reply(200, response(action, implementation(params, this.state), requestId));
    } catch (error) {
      if (!(error instanceof RdsFault)) throw error;
      fail(error.status, error.code, error.message);
    }
  }

  // A fault set with fail() or deny() answers the next `times` calls of its action.
  #takeFault(action: string) {
    const fault = this.#faults.get(action);
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) this.#faults.delete(action);
    return fault;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await closeNow(server);
  }

  addInstance(id: string, engine = 'postgres', tags: Tags = []): void {
    const now = this.state.now();
    this.state.instances.set(id, { id, engine, instanceClass: 'db.r6g.large', created: now, readyAt: now, tags });
  }

  addCluster(id: string, engine = 'aurora-postgresql', tags: Tags = []): void {
    const now = this.state.now();
    this.state.clusters.set(id, { id, engine, created: now, readyAt: now, tags });
  }

  // A snapshot made outside ops-bot (by hand, or automated), optionally in the past.
  addSnapshot(
    id: string,
    source: string,
    options: { kind?: 'instance' | 'cluster'; ageMs?: number; tags?: Tags; type?: 'manual' | 'automated' } = {},
  ): void {
    const created = this.state.now() - (options.ageMs ?? 0);
    this.state.snapshots.set(id, {
      id,
      source,
      kind: options.kind ?? 'instance',
      engine: 'postgres',
      created,
      readyAt: created,
      sizeGb: 20,
      type: options.type ?? 'manual',
      tags: options.tags ?? [],
    });
  }

  fail(action: string, code: string, options: { status?: number; message?: string; times?: number } = {}): void {
    this.#faults.set(action, {
      code,
      status: options.status ?? 400,
      message: options.message ?? `${code} (simulated)`,
      times: options.times ?? 1,
    });
  }

  deny(action: string, times = 1): void {
    this.fail(action, 'AccessDenied', {
      status: 403,
      times,
      message: `User: ${USER_ARN} is not authorized to perform: rds:${action} because ${noPolicyAllows(action)}`,
    });
  }
}
