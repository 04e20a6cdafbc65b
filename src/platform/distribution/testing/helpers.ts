// Test helpers for distribution: fixture buildpacks, a small build image, and a tar lister.
// Never imported by product code.
import { cpSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { extract as tarExtract } from "tar-stream";
import { buildLauncher } from "../../../launcher/index.js";
import { emptyImage, type Image, layer, type Layer, mutate, remote } from "../../../oci/index.js";

/** src/platform/distribution/fixtures, found from dist/ or src/ alike. */
export const FIXTURES = fileURLToPath(new URL("../../../../src/platform/distribution/fixtures/", import.meta.url));

/** Copies a fixture buildpack folder to `dest` (modes kept) and returns `dest`. */
export function copyFixture(name: string, dest: string): string {
  cpSync(join(FIXTURES, name), dest, { recursive: true });
  return dest;
}

export interface TarEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: string;
  linkname?: string;
  content?: string;
}

/** Every entry of a layer's tar, in order, with the content of small files. */
export async function tarEntries(l: Layer): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  const ex = tarExtract();
  const stream = await l.uncompressed();
  await new Promise<void>((resolve, reject) => {
    ex.on("entry", (h, body, next) => {
      const chunks: Buffer[] = [];
      body.on("data", (c: unknown) => chunks.push(c as Buffer));
      body.on("end", () => {
        const e: TarEntry = {
          name: h.name,
          type: h.type ?? "file",
          mode: h.mode ?? 0,
          uid: h.uid ?? 0,
          gid: h.gid ?? 0,
          uname: h.uname ?? "",
          gname: h.gname ?? "",
          mtime: (h.mtime ?? new Date(0)).toISOString(),
        };
        if (h.linkname) e.linkname = h.linkname;
        if (h.type === "file" && (h.size ?? 0) < 64 * 1024) e.content = Buffer.concat(chunks).toString("utf8");
        out.push(e);
        next();
      });
      body.on("error", reject);
    });
    ex.on("finish", () => resolve());
    ex.on("error", reject);
    stream.on("error", reject);
    stream.pipe(ex);
  });
  return out;
}

/** All tar entries of an image, by path (later layers win), for file checks. */
export async function imageFiles(img: Image): Promise<Map<string, TarEntry>> {
  const files = new Map<string, TarEntry>();
  for (const l of await img.layers()) for (const e of await tarEntries(l)) files.set(e.name.replace(/\/$/, ""), e);
  return files;
}

/**
 * A small build image: /etc/passwd and /etc/group with the CNB user 1001:1000 and its home,
 * User "1001:1000", Env CNB_USER_ID / CNB_GROUP_ID, a stack id and a label of its own.
 */
export async function makeBuildImage(workDir: string, opts: { user?: string; env?: Record<string, string>; labels?: Record<string, string> } = {}): Promise<Image> {
  const base = await layer.layerFromFiles(
    [
      { path: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\ncnb:x:1001:1000:CNB:/home/cnb:/bin/sh\n" },
      { path: "etc/group", content: "root:x:0:\ncnb:x:1000:\n" },
      { path: "home/cnb", dir: true, uid: 1001, gid: 1000 },
    ],
    { outputDir: join(workDir, "build-image-layers") },
  );
  let img = mutate.appendLayers(emptyImage({ architecture: remote.defaultPlatform().architecture, os: "linux" }), { layer: base, history: { created_by: "test build image" } });
  const env = opts.env ?? { PATH: "/usr/local/bin:/usr/bin:/bin", CNB_USER_ID: "1001", CNB_GROUP_ID: "1000" };
  img = mutate.withRunConfig(img, (rc) => ({
    ...rc,
    User: opts.user ?? "1001:1000",
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: opts.labels ?? { "io.buildpacks.stack.id": "tests.stack", "org.example.kept": "yes" },
  }));
  return img;
}

/** The launcher compiled with the host gcc (cached in `cacheDir`). */
export async function hostLauncher(outDir: string, cacheDir: string): Promise<string> {
  return (await buildLauncher({ cc: ["gcc"], outDir, cacheDir })).path;
}
