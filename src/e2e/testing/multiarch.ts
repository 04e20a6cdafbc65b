// Helpers for the multi-platform end-to-end tests (docs/multiarch.md): a builder.toml for both
// platforms, skopeo, and `file` of one path in an image of an OCI layout.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const PLATFORMS = "linux/amd64,linux/arm64";

/** A builder.toml of these bundled buildpacks (one group, in this order) on our stack, for amd64 and arm64. */
export function multiBuilderToml(bundles: string, buildpacks: ReadonlyArray<{ name: string; optional?: boolean }>): string {
  return [
    'description = "multi-platform test builder"',
    ...buildpacks.map((b) => `[[buildpacks]]\nuri = "${join(bundles, b.name)}"`),
    "[[order]]",
    ...buildpacks.map((b) => `[[order.group]]\nid = "paketo-buildpacks/${b.name}"${b.optional ? "\noptional = true" : ""}`),
    '[build]\nimage = "paketo/trixie:build"',
    '[[run.images]]\nimage = "paketo/trixie:run"',
    '[[targets]]\nos = "linux"\narch = "amd64"',
    '[[targets]]\nos = "linux"\narch = "arm64"',
  ].join("\n\n");
}

export function skopeo(args: string[]): string {
  return execFileSync("skopeo", args, { encoding: "utf8", maxBuffer: 64 << 20 });
}

export interface IndexJson {
  mediaType: string;
  manifests: Array<{ digest: string; platform: { os: string; architecture: string } }>;
}

/** The sha256 digest of some bytes, as `sha256:<hex>`. */
export function sha256Of(bytes: string): string {
  return `sha256:${execFileSync("sha256sum", { input: bytes, encoding: "utf8" }).split(" ")[0]}`;
}

/** `file` of one path in the layout's image (the last layer holding it). */
export function fileOfLayerEntry(layout: string, path: string): string {
  const blob = (d: string) => join(layout, "blobs", ...d.split(":"));
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0]?.digest as string), "utf8")) as { layers: Array<{ digest: string }> };
  for (const l of [...manifest.layers].reverse()) {
    const names = execFileSync("tar", ["-tzf", blob(l.digest)], { encoding: "utf8", maxBuffer: 256 << 20 }).split("\n");
    if (!names.includes(path)) continue;
    const bytes = execFileSync("tar", ["-xzOf", blob(l.digest), path], { maxBuffer: 512 << 20 });
    return execFileSync("file", ["-"], { input: bytes.subarray(0, 1 << 20), encoding: "utf8" });
  }
  throw new Error(`${path} is in no layer of ${layout}`);
}
