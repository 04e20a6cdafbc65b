// Reading one file of an image's root filesystem without extracting it: layers are scanned from
// the top down and the scan stops at the first layer that has the file (or deletes it). Meant for
// small files in the top layers (a builder's /cnb/order.toml); nothing is written to disk.
import { extract as tarExtract } from "tar-stream";
import type { Image, Layer } from "../../oci/index.js";
import { DistributionError } from "./errors.js";

type Found = { kind: "file"; content: Buffer } | { kind: "deleted" } | { kind: "absent" };

function clean(name: string): string {
  return name.split("/").filter((c) => c !== "" && c !== ".").join("/");
}

async function scanLayer(layer: Layer, target: string, maxBytes: number): Promise<Found> {
  const parts = target.split("/");
  const name = parts.at(-1) as string;
  const parents = parts.slice(0, -1);
  const whiteout = [...parents, `.wh.${name}`].join("/");
  // An opaque marker in the file's folder or any folder above hides what lower layers have there.
  const opaque = new Set(parents.map((_, i) => [...parents.slice(0, i + 1), ".wh..wh..opq"].join("/")));
  const ancestorWhiteouts = new Set(parents.map((p, i) => [...parents.slice(0, i), `.wh.${p}`].join("/")));
  // Destroying the tar stream when the scan stops early closes the layer's source too.
  const stream = await layer.uncompressed();
  const ex = tarExtract();
  let result: Found = { kind: "absent" };
  try {
    await new Promise<void>((resolve, reject) => {
      ex.on("entry", (header, body, next) => {
        const n = clean(header.name);
        if (n === target && (header.type === "file" || header.type === "contiguous-file")) {
          if ((header.size ?? 0) > maxBytes) {
            reject(new DistributionError("DIST_BUILDER", `/${target} in the image is ${header.size} bytes, over the ${maxBytes} byte limit`));
            return;
          }
          const chunks: Buffer[] = [];
          body.on("data", (c: unknown) => chunks.push(c as Buffer));
          body.on("end", () => {
            result = { kind: "file", content: Buffer.concat(chunks) };
            resolve();
          });
          body.on("error", reject);
          return;
        }
        if (n === whiteout || opaque.has(n) || ancestorWhiteouts.has(n)) result = { kind: "deleted" };
        body.on("end", next);
        body.resume();
      });
      ex.on("finish", () => resolve());
      ex.on("error", reject);
      stream.on("error", reject);
      stream.pipe(ex);
    });
  } finally {
    stream.unpipe(ex);
    stream.destroy();
    ex.destroy();
  }
  return result;
}

/** The bytes of `path` in the image's root filesystem, or undefined when it has no such file. */
export async function readImageFile(image: Image, path: string, opts: { maxBytes?: number } = {}): Promise<Buffer | undefined> {
  const target = clean(path);
  const layers = await image.layers();
  for (let i = layers.length - 1; i >= 0; i--) {
    const found = await scanLayer(layers[i] as Layer, target, opts.maxBytes ?? 4 << 20);
    if (found.kind === "file") return found.content;
    if (found.kind === "deleted") return undefined;
  }
  return undefined;
}
