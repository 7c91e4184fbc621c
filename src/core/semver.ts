// Semantic versions (semver.org 2.0.0), compared by precedence: enough to call a deploy a downgrade.
// Anything else (a branch name, a digest, "2024-05-01") is not a semver and no claim is made about it.
const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;

type Semver = { core: [number, number, number]; pre: string[] };

export function parseSemver(text: string): Semver | undefined {
  const match = SEMVER.exec(text);
  if (!match) return undefined;
  const core = [Number(match[1]), Number(match[2]), Number(match[3])] as [number, number, number];
  return { core, pre: match[4] ? match[4].split('.') : [] };
}

// Numeric identifiers compare as numbers and rank below alphanumeric ones; a shorter list of equal
// identifiers ranks lower (semver.org §11.4).
function comparePre(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return Math.sign(b.length - a.length);
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const [x, y] = [a[index]!, b[index]!];
    if (x === y) continue;
    const [xn, yn] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (xn && yn) return Math.sign(Number(x) - Number(y));
    if (xn !== yn) return xn ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return Math.sign(a.length - b.length);
}

// -1, 0 or 1 by precedence (build metadata ignored), or undefined when either is not a semver.
export function compareSemver(a: string, b: string): number | undefined {
  const [x, y] = [parseSemver(a), parseSemver(b)];
  if (!x || !y) return undefined;
  for (let index = 0; index < 3; index += 1) {
    const difference = x.core[index]! - y.core[index]!;
    if (difference !== 0) return Math.sign(difference);
  }
  return comparePre(x.pre, y.pre);
}
