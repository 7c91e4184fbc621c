import type { CatalogEnvironment } from './catalog.ts';
import type { ApprovalPolicy, ApproverSet } from './approval.ts';
import { activeFreeze, type FreezePeriod } from './freeze.ts';

export type ChangeKind = 'deploy' | 'rollback' | 'restore';

export type Gate =
  | { verdict: 'frozen'; freeze: FreezePeriod; breakGlassPossible: boolean }
  | { verdict: 'proceed'; policy: ApprovalPolicy | undefined; freeze: FreezePeriod | undefined };

const DEFAULT_EXPIRY_MS = 30 * 60_000;

// What a change in an environment needs right now: refused for a freeze (unless break-glass, which
// adds the break-glass seats), an approval policy, or nothing. Rollbacks use the environment's
// lighter rollbackApproval when it names one: they put back a state that already ran.
export function gateFor(env: CatalogEnvironment, kind: ChangeKind, breakGlass: string | undefined, now: Date): Gate {
  const freeze = activeFreeze(env.freeze, now);
  if (freeze && (!breakGlass || !env.breakGlass))
    return { verdict: 'frozen', freeze, breakGlassPossible: env.breakGlass !== undefined };
  const approval = kind === 'rollback' && env.rollbackApproval !== undefined ? env.rollbackApproval : env.approval;
  const normal: ApproverSet | undefined =
    approval === 'none' ? undefined : { approvers: approval.approvers, required: approval.required };
  const glass: ApproverSet | undefined =
    freeze && env.breakGlass ? { approvers: env.breakGlass.approvers, required: env.breakGlass.required } : undefined;
  if (!normal && !glass) return { verdict: 'proceed', policy: undefined, freeze };
  const expiresIn = approval === 'none' ? DEFAULT_EXPIRY_MS : approval.expires;
  return {
    verdict: 'proceed',
    policy: { normal, breakGlass: glass, expiresAt: new Date(now.getTime() + expiresIn) },
    freeze,
  };
}

export function utcTime(at: Date): string {
  return `${at.toISOString().slice(11, 16)} UTC`;
}

export function utcDateTime(at: Date): string {
  return `${at.toISOString().slice(0, 10)} ${utcTime(at)}`;
}
