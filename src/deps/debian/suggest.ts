// Near names for "not found" hints: small edit distance first, then names that contain the query.

export function suggestNames(query: string, names: Iterable<string>, max = 5): string[] {
  const scored: Array<[number, string]> = [];
  for (const n of names) {
    let score: number | undefined;
    if (Math.abs(n.length - query.length) <= 2) {
      const d = distance(query, n, 2);
      if (d <= 2) score = d;
    }
    if (score === undefined && query.length >= 3 && n.startsWith(query)) score = 3 + (n.length - query.length) / 100;
    if (score === undefined && query.length >= 4 && n.includes(query)) score = 4 + (n.length - query.length) / 100;
    if (score !== undefined) scored.push([score, n]);
  }
  scored.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
  return scored.slice(0, max).map(([, n]) => n);
}

/** Levenshtein distance, giving up (returning limit+1) once it exceeds `limit`. */
function distance(a: string, b: string, limit: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length]!;
}
