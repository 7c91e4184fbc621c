import {
  changeFailureRate,
  frequency,
  isEmpty,
  type DeliveryCounts,
  type DeliveryTotals,
  type ServiceCounts,
} from '../../core/delivery.ts';
import { formatDuration } from '../../core/duration.ts';
import { code, context, section, view, type View } from './blocks.ts';

export type DeliveryScope = { scope: string | undefined; perService: boolean; sinceMs: number };

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

const time = (seconds: number) => formatDuration(seconds * 1_000);

function releasesLine(counts: DeliveryCounts, sinceMs: number): string {
  const deploys = counts.live - counts.liveRollbacks;
  const { rate, per } = frequency(counts.live, sinceMs);
  return (
    `*Went live:* ${counts.live} (${plural(deploys, 'deploy')}, ${plural(counts.liveRollbacks, 'rollback')})` +
    ` of ${counts.started} started · ${rate}/${per}`
  );
}

function failureLine(counts: DeliveryCounts): string {
  const rate = changeFailureRate(counts);
  if (!rate) return '*Change failure rate:* no deploy finished';
  return `*Change failure rate:* ${rate.percent}% (${rate.failed} of ${plural(rate.of, 'deploy')} failed or rolled back)`;
}

function restoreLine(counts: DeliveryCounts): string {
  const open = counts.unrestored > 0 ? `; ${counts.unrestored} still failing` : '';
  if (!counts.restoreSeconds)
    return `*Time to restore:* ${counts.unrestored > 0 ? `nothing restored yet (${counts.unrestored} still failing)` : 'no failures'}`;
  const { median, worst } = counts.restoreSeconds;
  return `*Time to restore:* median ${time(median)}, worst ${time(worst)} (${counts.restores} restored${open})`;
}

function leadLines(counts: DeliveryCounts): string[] {
  const lead = counts.leadSeconds;
  if (!lead) return ['*Lead time, request to live:* nothing went live'];
  const wait = counts.approvalWaitSeconds;
  const waited = wait
    ? `median ${time(wait.median)}, p90 ${time(wait.p90)} (${counts.approvalWaits} of ${counts.live} needed approval)`
    : 'none of them needed approval';
  return [
    `*Lead time, request to live:* median ${time(lead.median)}, p90 ${time(lead.p90)}`,
    `*Of which waiting for approval:* ${waited}`,
  ];
}

function serviceLine(counts: ServiceCounts): string {
  const rate = changeFailureRate(counts);
  const failures = rate
    ? `${rate.failed} of ${plural(rate.of, 'deploy')} failed (${rate.percent}%)`
    : 'no deploy finished';
  const open = counts.unrestored > 0 ? ` · ${counts.unrestored} still failing` : '';
  return `• *${counts.service}*  ${counts.live} live · ${failures}${open}`;
}

// /ops stats: the four figures in one short block, then the busiest services when the scope has
// several. Plain lines, no table: it is read on a phone at 3 a.m.
export function deliveryView(totals: DeliveryTotals, { scope, perService, sinceMs }: DeliveryScope): View {
  const where = scope ? `in ${code(scope)}` : 'everywhere';
  const span = `the last ${formatDuration(sinceMs)}`;
  if (isEmpty(totals.total)) {
    const text = `No releases ${where} in ${span}: nothing to measure.`;
    return view(text, [section(text)]);
  }
  const title = `*Delivery figures ${where}, ${span}*`;
  const figures = [
    releasesLine(totals.total, sinceMs),
    failureLine(totals.total),
    restoreLine(totals.total),
    ...leadLines(totals.total),
  ];
  const services = perService ? totals.services.map(serviceLine) : [];
  const more = totals.moreServices > 0 ? [`_and ${plural(totals.moreServices, 'more service')}_`] : [];
  const byService = services.length > 0 ? [`*By service* (most releases first)`, ...services, ...more] : [];
  const lines = [title, ...figures, ...byService];
  return view(lines.join('\n'), [
    section([title, ...figures].join('\n')),
    ...(byService.length > 0 ? [section(byService.join('\n'))] : []),
    context(
      'Deploys and rollbacks both count as releases; the failure rate is over deploys; time to restore runs from a failure to the next good release.',
    ),
  ]);
}
