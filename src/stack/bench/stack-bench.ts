// Benchmark and size report (not a test): creates the shipped stack from its lock twice, once
// with an empty layer cache (the .debs come from the shared cache, or are downloaded) and once
// warm, and prints the time of each and every image's size against the product targets.
//
//   npm run build && node dist/stack/bench/stack-bench.js [--lock FILE] [--arch amd64|arm64]
//
// The empty layer cache and staging folders are temporary; nothing outside them is written except
// .debs missing from the shared cache.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { debian } from "../../deps/index.js";
import type { Image } from "../../oci/index.js";
import { createStack, debianArch } from "../create.js";
import { defaultLockPath, defaultStackFile } from "../defaults.js";
import { FLAVOR_TAGS } from "../image.js";
import { FLAVORS, type FlavorName, loadStackFile } from "../stack-file.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Compressed and uncompressed bytes of an image's layers. */
async function sizes(img: Image): Promise<{ compressed: number; uncompressed: number }> {
  let compressed = 0;
  let uncompressed = 0;
  for (const l of await img.layers()) {
    compressed += await l.size();
    const gunzip = (await l.compressed()).pipe(createGunzip());
    for await (const c of gunzip) uncompressed += (c as Buffer).length;
  }
  return { compressed, uncompressed };
}

const TARGETS: Partial<Record<FlavorName, number>> = { tiny: 10e6, base: 30e6 };

async function main(): Promise<void> {
  const stackFile = defaultStackFile();
  const def = await loadStackFile(stackFile);
  const lockPath = arg("lock") ?? defaultLockPath(stackFile);
  const arch = arg("arch") ?? debianArch(process.arch);
  const debCacheDir = debian.defaultCacheDir(process.env);
  const tmp = mkdtempSync(join(tmpdir(), "paketo-stack-bench-"));
  try {
    const opts = { def, lockPath, arch, http: { fetch }, debCacheDir, layerCacheDir: join(tmp, "layers"), workDir: join(tmp, "staging") };
    let t = performance.now();
    const cold = await createStack(opts);
    const coldMs = performance.now() - t;
    t = performance.now();
    const warm = await createStack(opts);
    const warmMs = performance.now() - t;
    console.log(`stack ${def.name} (${arch}) from ${lockPath}`);
    console.log(`  empty layer cache: ${(coldMs / 1000).toFixed(1)} s (${cold.work.downloaded} .debs downloaded, ${cold.work.built.length} layers built)`);
    console.log(`  warm:              ${(warmMs / 1000).toFixed(2)} s (${warm.work.reused.length} layers reused, ${warm.work.built.length} built)`);
    for (const f of FLAVORS) {
      const img = warm.images[f] as Image;
      const s = await sizes(img);
      const target = TARGETS[f];
      const verdict = target === undefined ? "" : s.compressed <= target ? `  ≤ ${target / 1e6} MB: ok` : `  > ${target / 1e6} MB: OVER TARGET`;
      console.log(
        `  ${FLAVOR_TAGS[f].padEnd(9)} ${(await img.digest()).slice(0, 19)}  ${String(warm.packages[f].length).padStart(3)} packages  ` +
          `${(s.compressed / 1e6).toFixed(1).padStart(6)} MB compressed  ${(s.uncompressed / 1e6).toFixed(1).padStart(6)} MB uncompressed${verdict}`,
      );
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
