import type { OffsetClock } from '../../core/clock.ts';
import type { ScenePlayer } from '../scenes/types.ts';
import type { MethodArgs, MethodResult } from './methods/common.ts';
import type { SocketModeServer } from './socket-mode.ts';
import type { Workspace } from './workspace.ts';

export type RecordedCall = {
  seq: number;
  at: number;
  method: string;
  args: MethodArgs;
  ok: boolean;
  error?: string;
  status: number;
  result?: MethodResult;
};

// What the driver and the control routes use of the simulator. They take this instead of the
// SlackSimulator class so that simulator.ts, which creates them, is the only file importing the others.
export interface SimulatorSurface {
  readonly workspace: Workspace;
  readonly url: string;
  readonly socketMode: SocketModeServer;
  readonly lastSeq: number;
  // The sandbox's policy clock, when the simulator runs inside the sandbox (POST /_sim/clock moves it).
  readonly clock: OffsetClock | undefined;
  // Where a job the bot named stands, when the sandbox tells the simulator how to ask (GET /_sim/job/<id>).
  readonly jobState: ((jobId: string) => Promise<string | undefined>) | undefined;
  // The scenes the sandbox plays (GET/POST /_sim/scenes), when it set a runner up.
  readonly scenes: ScenePlayer | undefined;
  callsSince(seq: number): RecordedCall[];
  record(
    method: string,
    args: MethodArgs,
    ok: boolean,
    status: number,
    error?: string,
    result?: MethodResult,
  ): RecordedCall;
}
