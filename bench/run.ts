import { ackBenchmark } from './ack.ts';
import { approvalBenchmark } from './approval.ts';
import { backupBenchmark } from './backup.ts';
import { deployBenchmark } from './deploy.ts';
import { failfastBenchmark } from './failfast.ts';
import { failoverBenchmark } from './failover.ts';
import { faultsBenchmark } from './faults.ts';
import { incidentBenchmark } from './incident.ts';
import { ledgerBenchmark } from './ledger.ts';
import { rollbackBenchmark } from './rollback.ts';

// `npm run bench` runs every benchmark; `npm run bench -- ack` runs the named ones.
const BENCHMARKS: Record<string, () => Promise<void>> = {
  ack: ackBenchmark,
  approval: approvalBenchmark,
  deploy: deployBenchmark,
  rollback: rollbackBenchmark,
  backup: backupBenchmark,
  incident: incidentBenchmark,
  failfast: failfastBenchmark,
  faults: faultsBenchmark,
  ledger: ledgerBenchmark,
  failover: failoverBenchmark,
};

const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : Object.keys(BENCHMARKS)) {
  const run = BENCHMARKS[name];
  if (!run) {
    process.stderr.write(`unknown benchmark ${name}; known: ${Object.keys(BENCHMARKS).join(', ')}\n`);
    process.exit(2);
  }
  await run();
}
