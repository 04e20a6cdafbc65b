// What the run image has, told to buildpacks that install Debian packages into layers (D10), so
// only what is missing goes into a layer: a dpkg status file written into the build config, named
// by PAKETO_RUN_IMAGE_STATUS (src/buildpack-api/debian/README.md).
//
// Read from the run image's SBOM when it carries one (`io.buildpacks.base.sbom`; /cnb/sbom is in
// the top layer, the only blob a registry run image then costs), else from the dpkg database in
// its layers (`var/lib/dpkg/status`, `status.d/*`, whiteouts applied). Kept per run image digest.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { extract as tarExtract } from "tar-stream";
import { debian } from "../../deps/index.js";
import { writeFileAtomic } from "../../fs/index.js";
import type { Image } from "../../oci/index.js";
import { parseCycloneDx, parsePurl } from "../../sbom/index.js";
import { readImageFile } from "../distribution/index.js";

const SBOM_LABEL = "io.buildpacks.base.sbom";
/** Where CNB-31 base images keep their SBOM (the layer the label names). */
const SBOM_FILE = "cnb/sbom/sbom.cdx.json";
const STATUS = "var/lib/dpkg/status";
const STATUS_D = "var/lib/dpkg/status.d/";

/** The run image's installed Debian packages, from the cache kept per image digest or read once. */
export async function runImagePackages(image: Image, cacheDir: string): Promise<debian.InstalledPackage[]> {
  const file = join(cacheDir, `${(await image.digest()).replace(/^sha256:/, "")}.status`);
  const cached = await readFile(file, "utf8").catch(() => undefined);
  if (cached !== undefined) return debian.parseStatus(cached);
  const pkgs = (await fromSbom(image)) ?? (await fromDpkgDatabase(image));
  await writeFileAtomic(file, debian.formatStatus(pkgs));
  return pkgs;
}

async function fromSbom(image: Image): Promise<debian.InstalledPackage[] | undefined> {
  const config = await image.configFile();
  if (!config.config?.Labels?.[SBOM_LABEL]) return undefined;
  const text = (await readImageFile(image, SBOM_FILE, { maxBytes: 64 << 20 }))?.toString("utf8");
  if (text === undefined) return undefined;
  const out: debian.InstalledPackage[] = [];
  for (const c of parseCycloneDx(text, { source: `/${SBOM_FILE} of the run image` }).components) {
    if (!c.purl) continue;
    const p = parsePurl(c.purl);
    if (p.type !== "deb" || !p.version || !p.qualifiers?.arch) continue;
    out.push({ name: p.name, version: p.version, architecture: p.qualifiers.arch });
  }
  return out;
}

async function fromDpkgDatabase(image: Image): Promise<debian.InstalledPackage[]> {
  let status = "";
  const entries = new Map<string, string>();
  for (const layer of await image.layers()) {
    const texts = await readFiles(await layer.uncompressed(), (p) => p === STATUS || p.startsWith(STATUS_D) || p.startsWith(`${STATUS_D}.wh.`));
    for (const [p, text] of texts) {
      if (p === STATUS) status = text;
      else if (p === `${STATUS_D}.wh..wh..opq`) entries.clear();
      else if (p.startsWith(`${STATUS_D}.wh.`)) entries.delete(p.slice(`${STATUS_D}.wh.`.length));
      else if (!p.slice(STATUS_D.length).includes(".")) entries.set(p.slice(STATUS_D.length), text);
    }
  }
  return debian.parseStatus([status, ...[...entries.keys()].sort().map((k) => entries.get(k))].join("\n\n"));
}

/** The texts of the tar's regular files (and whiteout names, as empty texts) whose path `want` accepts. */
async function readFiles(tar: NodeJS.ReadableStream, want: (path: string) => boolean): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ex = tarExtract();
  tar.pipe(ex as unknown as NodeJS.WritableStream);
  for await (const entry of ex) {
    const path = entry.header.name.replace(/^(\.\/|\/)+/, "");
    const chunks: Buffer[] = [];
    for await (const c of entry) if (want(path)) chunks.push(c as Buffer);
    if (want(path) && (entry.header.type === "file" || entry.header.type === "contiguous-file")) out.set(path, Buffer.concat(chunks).toString("utf8"));
  }
  return out;
}
