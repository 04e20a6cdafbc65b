/**
 * Wraps an async computation so it runs at most once; every caller shares the one promise.
 * A failure is not cached, so a retry can succeed.
 */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    if (!p) {
      p = fn();
      p.catch(() => {
        p = undefined;
      });
    }
    return p;
  };
}
