/** "Did you mean" for unknown configuration keys: the closest known key by edit distance, if close enough. */

export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * The known key closest to `unknown`, or undefined when none is close: the same key written in
 * camelCase/snake_case (`holdTime`, `hold_time` → `hold-time`), edit distance ≤ max(1, ⌊len/3⌋), or a key
 * that is a prefix of it or that it is a prefix of.
 */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  const kebab = unknown.replace(/_/g, '-').replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  if (kebab !== unknown && known.includes(kebab)) return kebab;
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(kebab, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  if (bestD <= Math.max(1, Math.floor(unknown.length / 3))) return best;
  // A longer or shorter spelling of a known key (`local-preference` → `local-pref`).
  return known.find((k) => k.length >= 4 && (kebab.startsWith(k) || k.startsWith(kebab)) && kebab.length >= 4);
}
