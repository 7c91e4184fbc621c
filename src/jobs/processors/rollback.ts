import type { RollbackPlan } from '../../core/plan.ts';
import { runGuarded } from '../deploy/guarded.ts';
import { switchBack, undoRollback } from '../deploy/rollback.ts';
import type { Processor } from '../processor.ts';

// What happens on /rollback (or a Rollback button), once planned and allowed: the same checks, lock,
// progress message and crash safety as a deploy (deploy/guarded.ts), then undo or switch back.
export const rollbackProcessor: Processor<'rollback'> = (input) =>
  runGuarded<RollbackPlan>(input, (run) => (run.plan.mode === 'switch-back' ? switchBack(run) : undoRollback(run)));
