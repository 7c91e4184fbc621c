import { describePolicy, type ApprovalPolicy, type ApproverSet } from './approval.ts';
import type { CatalogEnvironment } from './catalog.ts';
import { upcomingFreezes, type FreezePeriod } from './freeze.ts';
import { describePeople, type Person } from './people.ts';
import { gateFor, utcDateTime, type ChangeKind } from './policy.ts';

// Who holds the target's lock, as a preview shows it.
export type Holder = { userId: string; what: string; jobId: string };

// Everything the gate would say about a change, without asking it: what `--dry-run` and `--plan` show
// beside the plan. `freeze.inForce` false: a freeze that starts before the approval would expire.
export type GatePreview = {
  freeze: (FreezePeriod & { inForce: boolean }) | undefined;
  approval: string | undefined;
  backupBefore: string | undefined;
  // 'unreadable': Redis did not answer the read, so the lock is neither called free nor held.
  holder: Holder | 'unreadable' | undefined;
  verdict: string;
};

export type PreviewAsk = {
  env: CatalogEnvironment;
  kind: ChangeKind;
  breakGlass: string | undefined;
  requester: string;
  now: Date;
  backupBefore?: string | undefined;
  holder?: Holder | 'unreadable' | undefined;
};

// The gate, previewed: the freeze in force (or the next one, when it starts before the approval
// would expire), the approval it would need, the backup first, the lock holder and one verdict.
export function previewGate(ask: PreviewAsk): GatePreview {
  const gate = gateFor(ask.env, ask.kind, ask.breakGlass, ask.now);
  const frozen = gate.verdict === 'frozen';
  // Inside a freeze, the seats a break-glass request would need are the ones worth showing.
  const full = frozen ? breakGlassPolicy(ask) : gate.policy;
  const policy = full && withoutRequester(full, ask.requester);
  const freeze = gate.freeze ? { ...gate.freeze, inForce: true } : freezeBefore(ask, policy);
  const preview = {
    freeze,
    approval: policy ? describePolicy(policy, utcDateTime).replace('not the requester', 'not you') : undefined,
    backupBefore: ask.backupBefore,
    holder: ask.holder,
  };
  return { ...preview, verdict: verdictOf(gate, policy, ask) };
}

function breakGlassPolicy(ask: PreviewAsk): ApprovalPolicy | undefined {
  if (!ask.env.breakGlass) return undefined;
  const gate = gateFor(ask.env, ask.kind, 'preview', ask.now);
  return gate.verdict === 'proceed' ? gate.policy : undefined;
}

function freezeBefore(ask: PreviewAsk, policy: ApprovalPolicy | undefined) {
  if (!policy) return undefined;
  const next = upcomingFreezes(ask.env.freeze, ask.now, 1)[0];
  return next && next.start < policy.expiresAt ? { ...next, inForce: false } : undefined;
}

// The requester never approves their own change: named alone among the approvers, they are left out.
function withoutRequester(policy: ApprovalPolicy, requester: string): ApprovalPolicy {
  const without = (set: ApproverSet | undefined) =>
    set && { ...set, approvers: set.approvers.filter((person) => !isUser(person, requester)) };
  return { ...policy, normal: without(policy.normal), breakGlass: without(policy.breakGlass) };
}

function isUser(person: Person, userId: string): boolean {
  return person.kind === 'user' && person.id === userId;
}

function verdictOf(gate: ReturnType<typeof gateFor>, policy: ApprovalPolicy | undefined, ask: PreviewAsk): string {
  if (gate.verdict === 'frozen') {
    const until = `blocked by the freeze "${gate.freeze.name}" until ${utcDateTime(gate.freeze.end)}`;
    if (!gate.breakGlassPossible) return `${until}: nothing overrides it (this environment has no break-glass policy)`;
    return `${until}: needs --break-glass "why" and ${approvalsNeeded(policy)}`;
  }
  if (ask.holder === 'unreadable') return 'unknown: the lock could not be read, so whether it is free is not known';
  if (ask.holder) return `blocked: <@${ask.holder.userId}> is changing it now (job \`${ask.holder.jobId}\`)`;
  return policy ? `needs ${approvalsNeeded(policy)}` : 'would run now';
}

// "2 approvals from @sre-leads plus 1 break-glass approval from @incident-commanders".
function approvalsNeeded(policy: ApprovalPolicy | undefined): string {
  if (!policy) return 'no approval';
  const seats = (set: ApproverSet, kind: string) =>
    `${set.required} ${kind}approval${set.required === 1 ? '' : 's'} from ${describePeople(set.approvers)}`;
  const parts = [
    policy.normal && seats(policy.normal, ''),
    policy.breakGlass && seats(policy.breakGlass, 'break-glass '),
  ];
  return parts.filter((part): part is string => part !== undefined).join(' plus ');
}
