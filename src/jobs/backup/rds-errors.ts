import { RdsError } from '../../adapters/rds.ts';
import { UserError } from '../../core/user-error.ts';

// RDS faults the person can act on, in plain words, with AWS's own code kept in the message.
export function explainRds(error: unknown, resource: string, region: string): unknown {
  if (!(error instanceof RdsError)) return error;
  const aws = `(AWS: ${error.code})`;
  if (/^DB(Instance|Cluster)NotFound/.test(error.code))
    return new UserError(`RDS has no ${resource} in ${region} ${aws}.`, {
      hint: 'Check the identifier and region of this database in the catalog.',
      code: 'rds_not_found',
    });
  if (/^InvalidDB(Instance|Cluster)State/.test(error.code))
    return new UserError(
      `${resource} is not available for this right now ${aws}: ${error.message.split(': ').slice(1).join(': ')}`,
      {
        hint: 'Try again once it is available (a maintenance, a resize or another snapshot may be running).',
        code: 'rds_not_available',
      },
    );
  if (error.code === 'SnapshotQuotaExceeded')
    return new UserError(
      `The AWS account has reached its quota of manual snapshots ${aws}, so no new backup can be taken.`,
      {
        hint: "Delete old snapshots (the retention report lists ops-bot's expired ones) or raise the quota in Service Quotas.",
        code: 'rds_quota',
      },
    );
  if (error.code === 'AccessDenied' || error.status === 403)
    return new UserError(`AWS refused ops-bot ${aws}: ${error.message}`, {
      hint: 'The IAM role ops-bot runs with needs that RDS permission.',
      code: 'rds_access_denied',
    });
  if (/AlreadyExists/.test(error.code))
    return new UserError(`${resource} already exists ${aws}; ops-bot never overwrites.`, { code: 'rds_exists' });
  if (/SnapshotNotFound/.test(error.code))
    return new UserError(`RDS has no such snapshot ${aws}.`, { code: 'rds_snapshot_missing' });
  return error;
}
