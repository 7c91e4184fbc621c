// "Did you mean …?" for words typed at 3 a.m.: a hint to retype, never a guess acted on.

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbouring letters ("lsit" → "list") each cost one.
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

// Two edits for ordinary words, a quarter of the letters for long ones; one edit for words of
// three letters or fewer, where two edits would turn almost anything into anything.
function allowedEdits(typed: string, candidate: string): number {
  const longer = Math.max(typed.length, candidate.length);
  if (Math.min(typed.length, candidate.length) <= 3) return 1;
  return Math.max(2, Math.floor(longer / 4));
}

// The candidate the word most likely meant, or undefined when none is close. Case is ignored;
// a start of at least three letters ("prod" → "production") counts, after every closer match.
export function closestWord(word: string, candidates: readonly string[]): string | undefined {
  const typed = word.toLowerCase();
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const known = candidate.toLowerCase();
    const edits = editDistance(typed, known);
    const prefix = typed.length >= 3 && known.startsWith(typed);
    const score = edits <= allowedEdits(typed, known) ? edits : prefix ? 100 + known.length : undefined;
    if (score !== undefined && (best === undefined || score < best.score)) best = { candidate, score };
  }
  return best?.candidate;
}

// " Did you mean `list`?" (with `prefix` before the name, e.g. "--"), or "" when nothing is close.
export function didYouMean(word: string, candidates: readonly string[], prefix = ''): string {
  const close = closestWord(word, candidates);
  return close === undefined ? '' : ` Did you mean \`${prefix}${close}\`?`;
}
