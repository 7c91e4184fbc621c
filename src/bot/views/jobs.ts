import { type JobSummary } from '../../core/job-summary.ts';
import { ago, code, context, fields, section, view, type View } from './blocks.ts';

const STATE_ICONS: Record<string, string> = {
  active: ':arrows_counterclockwise:',
  waiting: ':hourglass_flowing_sand:',
  prioritized: ':hourglass_flowing_sand:',
  delayed: ':alarm_clock:',
  'waiting-children': ':hourglass_flowing_sand:',
  completed: ':white_check_mark:',
  failed: ':x:',
  unknown: ':grey_question:',
};

const OUTCOME_ICONS: Record<string, string> = {
  succeeded: ':white_check_mark:',
  'rolled-back': ':leftwards_arrow_with_hook:',
  failed: ':x:',
  cancelled: ':octagonal_sign:',
  aborted: ':no_entry_sign:',
  refused: ':no_entry:',
  interrupted: ':warning:',
  'request waiting for approval': ':hourglass_flowing_sand:',
  'request approved': ':white_check_mark:',
  'request rejected': ':no_entry:',
  'request expired': ':alarm_clock:',
  'request cancelled': ':octagonal_sign:',
  'request not run': ':warning:',
  'request superseded': ':fast_forward:',
};

// A change job "completes" in BullMQ however the change ended, and "fails" when its worker died for
// good (its outcome is then `interrupted`): show how the change ended, not the queue's word.
function finalOutcome(job: JobSummary): JobSummary['outcome'] {
  return job.state === 'completed' || job.state === 'failed' ? job.outcome : undefined;
}

function stateWords(job: JobSummary): string {
  return finalOutcome(job)?.decision.replace('-', ' ') ?? job.state;
}

function stateOf(job: JobSummary): string {
  const outcome = finalOutcome(job)?.decision;
  const icon = outcome ? (OUTCOME_ICONS[outcome] ?? ':grey_question:') : (STATE_ICONS[job.state] ?? '');
  return `${icon} ${stateWords(job)}`.trim();
}

export function queuedView(jobId: string, what: string): View {
  return view(`:hourglass_flowing_sand: ${what} (job ${jobId})`, [
    context(`:hourglass_flowing_sand: ${what} — job ${code(jobId)}`),
  ]);
}

export function jobStatusView(job: JobSummary, now: Date): View {
  const rows: [string, string][] = [
    ['Job', code(job.id)],
    ['State', stateOf(job)],
    ['Requested by', job.requestedBy ? `<@${job.requestedBy}>` : 'unknown'],
    ['Created', ago(job.createdAt, now)],
  ];
  if (job.command) rows.push(['Command', code(job.command)]);
  if (job.finishedAt) rows.push(['Finished', ago(job.finishedAt, now)]);
  if (job.failedReason) rows.push(['Failed because', job.failedReason]);
  if (job.outcome?.detail) rows.push(['Outcome', job.outcome.detail]);
  if (job.attemptsMade > 1) rows.push(['Attempts', String(job.attemptsMade)]);
  return view(`Job ${job.id}: ${stateWords(job)}`, [fields(rows)]);
}

export function recentJobsView(jobs: JobSummary[], now: Date): View {
  if (jobs.length === 0) {
    return view('You have no recent jobs.', [
      section('You have no recent jobs. `/ops status <job>` shows any job by id.'),
    ]);
  }
  const lines = jobs.map(
    (job) =>
      `${stateOf(job)}  ${code(job.id)}  ${job.command ? code(job.command) : job.kind}  ${ago(job.createdAt, now)}`,
  );
  return view(`Your recent jobs:\n${lines.join('\n')}`, [
    section(`*Your recent jobs*\n${lines.join('\n')}`),
    context('`/ops status <job>` for one job in detail.'),
  ]);
}

export function unknownJobView(jobId: string): View {
  const job = code(jobId);
  return view(`There is no job ${jobId} (finished jobs are kept 7 days).`, [
    section(
      `:grey_question: There is no job ${job}. Finished jobs are kept for 7 days; the audit log keeps everything (\`/ops audit\`).`,
    ),
  ]);
}
