import type { CommandName } from './usage.ts';
import type { Severity } from './values.ts';

export type Strategy = 'rolling' | 'bluegreen' | 'canary';

export type OpsRequest =
  | { command: 'ops'; sub: 'help'; topic?: CommandName }
  | { command: 'ops'; sub: 'whoami' }
  | { command: 'ops'; sub: 'status'; jobId?: string }
  | { command: 'ops'; sub: 'history'; scope?: string; sinceMs: number }
  | { command: 'ops'; sub: 'stats'; scope?: string; sinceMs: number }
  | { command: 'ops'; sub: 'audit'; filter?: string; sinceMs: number }
  | { command: 'ops'; sub: 'freeze'; env?: string }
  | { command: 'ops'; sub: 'cancel'; jobId: string; leave: boolean }
  | { command: 'ops'; sub: 'pods' | 'events'; service: string; env: string }
  | { command: 'ops'; sub: 'logs'; service: string; env: string; pod?: string; sinceMs?: number; tail: number };

export type DeployRequest =
  | {
      command: 'deploy';
      sub: 'run';
      service: string;
      version: string;
      env: string;
      strategy?: Strategy;
      reason?: string;
      dryRun: boolean;
      breakGlass?: string;
    }
  | { command: 'deploy'; sub: 'history'; service: string; env: string; limit: number };

export type RollbackRequest = {
  command: 'rollback';
  service: string;
  env: string;
  to?: { revision: number } | { version: string };
  reason?: string;
  breakGlass?: string;
  dryRun?: boolean;
};

export type BackupRequest =
  | { command: 'backup'; sub: 'run'; database: string; reason?: string }
  | { command: 'backup'; sub: 'list'; database: string; limit: number }
  | { command: 'backup'; sub: 'verify'; backupId: string; plan: boolean };

export type RestoreRequest = {
  command: 'restore';
  backupId: string;
  target: string;
  reason?: string;
  breakGlass?: string;
  plan?: boolean;
};

export type IncidentRequest =
  | { command: 'incident'; sub: 'declare'; severity?: Severity; title?: string; services: string[] }
  | { command: 'incident'; sub: 'note'; text: string }
  | { command: 'incident'; sub: 'sev'; severity: Severity }
  | { command: 'incident'; sub: 'resolve'; summary?: string }
  | { command: 'incident'; sub: 'reopen' | 'list' | 'timeline' };

export type CommandRequest =
  OpsRequest | DeployRequest | RollbackRequest | BackupRequest | RestoreRequest | IncidentRequest;
