// Medians, ranges, ratios and the markdown table.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summary(xs) {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x));
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), runs: v };
}

/**
 * paketo / peer: the ratio of the medians, and the range of the per-run ratios (run i of one
 * against run i of the other; both ran back to back in the same round).
 */
export function ratio(p, q) {
  const n = Math.min(p.length, q.length);
  const per = [];
  for (let i = 0; i < n; i++) if (q[i] > 0) per.push(p[i] / q[i]);
  const mq = median(q);
  return { median: mq > 0 ? median(p) / mq : NaN, min: per.length ? Math.min(...per) : NaN, max: per.length ? Math.max(...per) : NaN };
}

const UNITS = {
  s: (x) => `${x.toFixed(x < 10 ? 2 : 1)} s`,
  MB: (x) => (x < 1e6 ? `${(x / 1e3).toFixed(1)} kB` : `${(x / 1e6).toFixed(1)} MB`),
  n: (x) => `${Math.round(x)}`,
};

export function fmt(unit, x) {
  if (!Number.isFinite(x)) return "n/a";
  return (UNITS[unit] ?? UNITS.n)(x);
}

export function cell(unit, xs) {
  if (!xs || xs.length === 0) return "n/a";
  const s = summary(xs);
  if (!Number.isFinite(s.median)) return "n/a";
  if (s.min === s.max) return fmt(unit, s.median);
  return `${fmt(unit, s.median)} (${fmt(unit, s.min)}–${fmt(unit, s.max)})`;
}

/** Below this a time is noise, and a ratio against it means nothing. */
const TINY = { s: 0.05 };

export function ratioCell(p, q, unit) {
  if (!p?.length || !q?.length) return "n/a";
  if (TINY[unit] !== undefined && median(q) < TINY[unit]) return "n/a (peer ≈ 0)";
  const r = ratio(p, q);
  if (!Number.isFinite(r.median)) return "n/a";
  const f = (x) => x.toFixed(2);
  if (!Number.isFinite(r.min) || Math.abs(r.max - r.min) < 0.005) return `${f(r.median)}`;
  return `${f(r.median)} (${f(r.min)}–${f(r.max)})`;
}

export function table(header, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
