/**
 * Sorting a round's changed IPv4 prefix keys with the replica's row of each (workers/decision.ts
 * finishRound: results are listed in key order so that the voter maps agreeing replicas onto each other
 * without hashing). Sorting the keys alone and looking every row up again cost a probe of the
 * million-entry prefix table per changed prefix; carrying the rows through the sort costs none.
 *
 * IPv4 prefix keys are integers below 2^38 (address × 64 + length, lib/wire/prefix.ts): an LSD radix sort
 * in three passes of 13, 13 and 12 bits, stable, O(n). Short runs use a comparison sort instead (the
 * radix histograms would dominate).
 */

const TWO32 = 4294967296;
const SMALL = 256;

let scratchKeys = new Float64Array(0);
let scratchRows = new Int32Array(0);
const counts = new Int32Array(8192);

/** Sorts keys[0..n) ascending and permutes rows[0..n) alongside. Keys are distinct integers in [0, 2^38). */
export function sortKeysWithRows(keys: Float64Array, rows: Int32Array, n: number): void {
  if (n < 2) return;
  if (n < SMALL) {
    smallSort(keys, rows, n);
    return;
  }
  if (scratchKeys.length < n) {
    scratchKeys = new Float64Array(n);
    scratchRows = new Int32Array(n);
  }
  // Three passes: keys → scratch → keys → scratch, then copied back.
  pass(keys, rows, scratchKeys, scratchRows, n, 0);
  pass(scratchKeys, scratchRows, keys, rows, n, 1);
  pass(keys, rows, scratchKeys, scratchRows, n, 2);
  keys.set(scratchKeys.subarray(0, n));
  rows.set(scratchRows.subarray(0, n));
}

function digit(k: number, d: number): number {
  const lo = k >>> 0; // k mod 2^32, exact for integers below 2^53
  if (d === 0) return lo & 0x1fff;
  if (d === 1) return (lo >>> 13) & 0x1fff;
  return (lo >>> 26) | (((k - lo) / TWO32) << 6); // 6 + 6 bits
}

function pass(fromK: Float64Array, fromR: Int32Array, toK: Float64Array, toR: Int32Array, n: number, d: number): void {
  const buckets = d === 2 ? 4096 : 8192;
  counts.fill(0, 0, buckets);
  for (let i = 0; i < n; i++) counts[digit(fromK[i], d)]++;
  let sum = 0;
  for (let b = 0; b < buckets; b++) {
    const c = counts[b];
    counts[b] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const k = fromK[i];
    const at = counts[digit(k, d)]++;
    toK[at] = k;
    toR[at] = fromR[i];
  }
}

function smallSort(keys: Float64Array, rows: Int32Array, n: number): void {
  // Insertion sort: n < SMALL.
  for (let i = 1; i < n; i++) {
    const k = keys[i];
    const r = rows[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > k) {
      keys[j + 1] = keys[j];
      rows[j + 1] = rows[j];
      j--;
    }
    keys[j + 1] = k;
    rows[j + 1] = r;
  }
}
