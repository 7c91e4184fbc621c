// An age as kubectl prints it (k8s.io/apimachinery/pkg/util/duration.HumanDuration): "45s", "3m20s",
// "15m", "2h5m", "20h", "3d4h", "40d", "2y30d".
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return withRest(`${minutes}m`, seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return withRest(`${hours}h`, minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return withRest(`${days}d`, hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return withRest(`${years}y`, days % 365, 'd');
  return `${years}y`;
}

const withRest = (head: string, rest: number, unit: string) => (rest === 0 ? head : `${head}${rest}${unit}`);
