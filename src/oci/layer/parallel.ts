import { availableParallelism } from "node:os";
import { layerFromDirectory, layerFromFiles } from "./build.js";
import type { BuiltLayer } from "./file-layer.js";
import type { LayerEntry, LayerOptions } from "./options.js";

/** One layer for buildLayers: a folder or a list of entries, with its options. */
export type LayerSpec = LayerOptions & ({ dir: string } | { files: readonly LayerEntry[] });

/**
 * Builds several layers at once, `concurrency` at a time (default: the CPU count, at most 4, the
 * size of libuv's default thread pool, where zlib does the compressing). Results keep the order
 * of `specs`. The first failure stops the layers still building and is what this rejects with.
 */
export async function buildLayers(
  specs: readonly LayerSpec[],
  opts: { concurrency?: number; signal?: AbortSignal } = {},
): Promise<BuiltLayer[]> {
  const concurrency = Math.max(1, opts.concurrency ?? Math.min(4, availableParallelism()));
  const stop = new AbortController();
  const out = new Array<BuiltLayer>(specs.length);
  let next = 0;
  let failure: { err: unknown } | undefined;

  const worker = async (): Promise<void> => {
    while (next < specs.length && !failure) {
      const i = next++;
      const spec = specs[i] as LayerSpec;
      const signal = AbortSignal.any([stop.signal, ...(opts.signal ? [opts.signal] : []), ...(spec.signal ? [spec.signal] : [])]);
      try {
        out[i] = "dir" in spec ? await layerFromDirectory(spec.dir, { ...spec, signal }) : await layerFromFiles(spec.files, { ...spec, signal });
      } catch (err) {
        failure ??= { err };
        stop.abort(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
  if (failure) throw failure.err;
  return out;
}
