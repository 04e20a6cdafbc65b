import { setTimeout as delay } from "node:timers/promises";

export interface Backoff {
  initialMs: number;
  maxMs: number;
  maxRetryAfterMs: number;
}

/**
 * How long to wait before try number `failures + 1`: exponential (`initialMs * 2^(failures-1)`,
 * capped at `maxMs`) with jitter in [50%, 100%], so clients that failed together do not retry together.
 * A server's Retry-After wins when given (capped at `maxRetryAfterMs`).
 */
export function backoffDelay(failures: number, b: Backoff, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, b.maxRetryAfterMs);
  const exp = Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exp * (0.5 + random() * 0.5));
}

/** `Retry-After: 120` or an HTTP date, in milliseconds from `now`. */
export function parseRetryAfter(v: string | string[] | undefined, now = Date.now()): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  if (/^\d+$/.test(s.trim())) return Number(s.trim()) * 1000;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  await delay(ms, undefined, signal ? { signal } : {});
}
