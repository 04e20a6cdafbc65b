// Fixtures for go-dist's tests: small fake Go toolchains published on a module proxy on 127.0.0.1
// (deps/go/testing), with a checksum database that records them.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FakeSumdb, startFakeProxy, type FakeModule, type FakeProxy } from "../../../deps/go/testing.js";

const here = dirname(fileURLToPath(import.meta.url));
/** buildpack.toml of go-dist (read from the source tree: tests run from dist). */
export const buildpackToml = readFileSync(join(here, "../../../../src/buildpacks/go-dist/buildpack.toml"), "utf8");

/** A fake Go release: `bin/go` prints its version; src/ has a test file and testdata the layer leaves out. */
export function fakeToolchain(version: string, o: { arch?: string; unlisted?: boolean } = {}): FakeModule {
  return {
    module: "golang.org/toolchain",
    version: `v0.0.1-go${version}.linux-${o.arch ?? "amd64"}`,
    files: {
      VERSION: `go${version}\ntime 2026-01-01T00:00:00Z\n`,
      "bin/go": `#!/bin/sh\necho "go version go${version} linux/${o.arch ?? "amd64"}"\n`,
      "pkg/tool/linux_amd64/compile": "#!/bin/sh\n",
      "src/fmt/print.go": "package fmt\n",
      "src/fmt/fmt_test.go": "package fmt\n",
      "src/fmt/testdata/x.txt": "data\n",
    },
    ...(o.unlisted ? { unlisted: true } : {}),
  };
}

export const RELEASES = ["1.24.0", "1.24.1", "1.25.0", "1.25.1"];

export async function fixtureProxy(t: { after: (f: () => unknown) => void }, releases: FakeModule[] = RELEASES.map((v) => fakeToolchain(v))): Promise<FakeProxy & { env: Record<string, string> }> {
  const sumdb = new FakeSumdb();
  const proxy = await startFakeProxy(releases, { sumdb });
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const cache = mkdtempSync(join(tmpdir(), "paketo-go-dist-cache-"));
  t.after(async () => {
    await proxy.stop();
    rmSync(cache, { recursive: true, force: true });
  });
  return Object.assign(proxy, { env: { GOPROXY: proxy.url, GOSUMDB: sumdb.vkey, PAKETO_CACHE: cache, PATH: "/usr/bin:/bin" } });
}
