import type { DeployPlan } from '../../core/plan.ts';
import { backupFirst } from '../deploy/backup-first.ts';
import { blueGreenDeploy } from '../deploy/bluegreen.ts';
import { canaryDeploy } from '../deploy/canary.ts';
import { runGuarded } from '../deploy/guarded.ts';
import { rollingDeploy } from '../deploy/rolling.ts';
import type { Processor } from '../processor.ts';

const STRATEGIES = { rolling: rollingDeploy, bluegreen: blueGreenDeploy, canary: canaryDeploy } as const;

// What happens on /deploy, once it is planned and allowed: see deploy/guarded.ts for the checks
// that come first, and deploy/<strategy>.ts for each strategy.
export const deployProcessor: Processor<'deploy'> = (input) =>
  runGuarded<DeployPlan>(input, async (run) => (await backupFirst(run)) ?? STRATEGIES[run.plan.strategy](run));
