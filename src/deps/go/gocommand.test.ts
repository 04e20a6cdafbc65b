// The go command itself downloads modules through the test proxy and checks them against the test
// checksum database: its verdict confirms the h1 hashes, tiles and signed notes made here follow
// the protocol, and that what our source accepts, the go command accepts too.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir, writeTree } from "../../testing/index.js";
import { FakeSumdb, startFakeProxy, testGoroot, type FakeModule } from "./testing.js";

/** Runs go without blocking this process (the test proxy answers from it). */
function go(args: string[], o: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile("go", args, { ...o, timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      done({ status: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
}

test("go mod download through the test proxy verifies every module against the test checksum database", async (t) => {
  const goroot = await testGoroot();
  const sumdb = new FakeSumdb("sum.test.example");
  sumdb.pad(700); // the records land past the first tile, so level-1 tiles are read
  const mods: FakeModule[] = [
    { module: "example.com/Greet", version: "v1.2.0", files: { "go.mod": "module example.com/Greet\n\ngo 1.21\n", "greet.go": "package greet\n\nfunc Hello() string { return \"hello\" }\n" } },
    { module: "example.com/deep/path/v2", version: "v2.0.1", files: { "go.mod": "module example.com/deep/path/v2\n\ngo 1.21\n", "a/b/c.go": "package b\n", "LICENSE": "MIT\n" } },
  ];
  const proxy = await startFakeProxy(mods, { sumdb });
  const dir = tempDir();
  t.after(async () => {
    await proxy.stop();
    dir.cleanup();
  });
  writeTree(dir.path, { "app/go.mod": "module app\n\ngo 1.21\n\nrequire (\n\texample.com/Greet v1.2.0\n\texample.com/deep/path/v2 v2.0.1\n)\n" });
  const env = {
    PATH: `${join(goroot, "bin")}:/usr/bin:/bin`,
    HOME: dir.path,
    GOENV: "off",
    GOPROXY: proxy.url,
    GOSUMDB: sumdb.vkey,
    GOMODCACHE: join(dir.path, "modcache"),
    GOPATH: join(dir.path, "gopath"),
    GOTOOLCHAIN: "local",
    GOFLAGS: "-mod=mod",
  };
  const r = await go(["mod", "download", "-json", "all"], { cwd: join(dir.path, "app"), env });
  assert.equal(r.status, 0, `${r.stderr}\n${r.stdout}`);
  const out = JSON.parse(`[${r.stdout.replace(/\}\s*\{/g, "},{")}]`) as Array<{ Path: string; Sum?: string; Error?: string }>;
  const { moduleZipHash } = await import("./testing.js");
  for (const m of mods) {
    const got = out.find((o) => o.Path === m.module);
    assert.ok(got && !got.Error, JSON.stringify(out));
    assert.equal(got.Sum, moduleZipHash(m.module, m.version, m.files), `the go command's h1 of ${m.module} is ours`);
  }
  assert.ok(proxy.requests.some((p) => p.startsWith("sumdb/sum.test.example/tile/8/1/")), proxy.requests.join("\n"));
  // and with a forged record the go command refuses, as our source does
  sumdb.tamper.lookup = (b) => Buffer.from(b.toString().replace(/v1\.2\.0 h1:[^\n]+/, `v1.2.0 h1:${Buffer.alloc(32, 9).toString("base64")}`));
  const again = await go(["mod", "download", "example.com/Greet@v1.2.0"], { cwd: dir.path, env: { ...env, GOMODCACHE: join(dir.path, "modcache2"), GOPATH: join(dir.path, "gopath2"), GOFLAGS: "" } });
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /verifying|SECURITY ERROR|checksum/i);
});
