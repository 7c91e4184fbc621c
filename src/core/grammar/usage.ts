// The command grammar of ARCHITECTURE.md, as data: /ops help and every usage error read it,
// so the help text and the parser cannot drift apart.
export type CommandName = 'deploy' | 'rollback' | 'backup' | 'restore' | 'incident' | 'ops';

export type UsageLine = { syntax: string; example: string; what: string };

export const USAGE: Record<CommandName, UsageLine[]> = {
  deploy: [
    {
      syntax:
        '/deploy <service> <version> [to] <env> [--strategy rolling|bluegreen|canary] [--reason "…"] [--dry-run] [--break-glass "…"]',
      example: '/deploy checkout 1.4.2 to production --reason "fix tax rounding"',
      what: 'roll a service out (production asks for approval)',
    },
    {
      syntax: '/deploy history <service> <env> [--limit N]',
      example: '/deploy history checkout production',
      what: 'revisions the cluster holds, who deployed them and why',
    },
  ],
  rollback: [
    {
      syntax: '/rollback <service> <env> [--to <revision|version>] [--reason "…"] [--dry-run] [--break-glass "…"]',
      example: '/rollback checkout production --reason "5xx after 1.4.2"',
      what: 'put the previous (or a named) revision back',
    },
  ],
  backup: [
    {
      syntax: '/backup <database> [--reason "…"]',
      example: '/backup orders --reason "before schema change"',
      what: 'snapshot or dump a database and record it',
    },
    {
      syntax: '/backup list <database> [--limit N]',
      example: '/backup list orders',
      what: 'recent backups with status, age and size',
    },
    {
      syntax: '/backup verify <backup-id> [--plan]',
      example: '/backup verify ledger-20261123-071500-a1b2c3',
      what: 'prove a backup restores',
    },
  ],
  restore: [
    {
      syntax: '/restore <backup-id> [to] <new-target> [--reason "…"] [--plan] [--break-glass "…"]',
      example: '/restore orders-20261123-071500-a1b2c3 to orders-restored',
      what: 'restore into a NEW instance or database',
    },
  ],
  incident: [
    {
      syntax: '/incident declare <P0|P1|P2|P3> <title> [--service <name>]',
      example: '/incident declare P1 "checkout errors" --service checkout',
      what: 'open an incident channel with people, bridge and clocks',
    },
    {
      syntax: '/incident note <text>',
      example: '/incident note rolled back checkout, errors dropping',
      what: 'add a line to the timeline',
    },
    { syntax: '/incident sev <P0|P1|P2|P3>', example: '/incident sev P0', what: 'change the severity' },
    {
      syntax: '/incident resolve [summary]',
      example: '/incident resolve "bad release, rolled back"',
      what: 'close the incident and post the summary',
    },
    {
      syntax: '/incident reopen | list | timeline',
      example: '/incident list',
      what: 'reopen, list open incidents, show the timeline',
    },
  ],
  ops: [
    { syntax: '/ops help [command]', example: '/ops help deploy', what: 'this help' },
    {
      syntax: '/ops whoami',
      example: '/ops whoami',
      what: 'your Slack id, your groups and what the catalog lets you do',
    },
    { syntax: '/ops status [job]', example: '/ops status', what: 'your recent jobs, or one job in detail' },
    {
      syntax: '/ops history [service|env] [--since 24h]',
      example: '/ops history production --since 3d',
      what: 'what changed (deploys and rollbacks), everywhere or for one service or environment, newest first',
    },
    {
      syntax: '/ops stats [service|env] [--since 30d]',
      example: '/ops stats production --since 7d',
      what: 'delivery figures: releases that went live, change failure rate, time to restore, lead time',
    },
    {
      syntax: '/ops audit [service|env] [--since 7d]',
      example: '/ops audit production --since 1d',
      what: 'the latest audit entries',
    },
    { syntax: '/ops freeze [env]', example: '/ops freeze production', what: 'current and next freeze windows' },
    {
      syntax: '/ops cancel <job> [--leave]',
      example: '/ops cancel deploy-3f9a2c71d0e4b5a6',
      what: 'cancel a queued, waiting or running job; a running deploy or rollback is put back, unless --leave',
    },
    {
      syntax: '/ops pods <service> <env>',
      example: '/ops pods checkout production',
      what: "the service's pods: ready, restarts, age, image and the problem ops-bot sees",
    },
    {
      syntax: '/ops events <service> <env>',
      example: '/ops events checkout production',
      what: "recent Kubernetes events of the service's Deployment, ReplicaSets and pods, newest first",
    },
    {
      syntax: '/ops logs <service> <env> [--pod p] [--since 10m] [--tail 100]',
      example: '/ops logs checkout production --since 10m',
      what: 'the last log lines of one pod (the failing one, else the newest ready one), redacted',
    },
  ],
};

export const COMMAND_NAMES = Object.keys(USAGE) as CommandName[];

export function usageOf(command: CommandName): string {
  return USAGE[command].map((line) => line.syntax).join('\n');
}

export function isCommandName(name: string): name is CommandName {
  return ['deploy', 'rollback', 'backup', 'restore', 'incident', 'ops'].includes(name);
}
