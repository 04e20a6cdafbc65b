// The runtime end to end through the test harness: the same code path bin/detect and bin/build take.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PaketoError } from "../errors/index.js";
import { defineBuildpack, fail, layerEnv, pass, s, type BuildContext, type DetectContext } from "./index.js";
import { runBuild, runDetect } from "./testing/index.js";

const toml = (api: string, extra = "") => `api = "${api}"\n\n[buildpack]\nid = "test/bp"\nversion = "1.2.3"\nname = "Test"\n${extra}`;
const noBuild = () => ({});

test("detect: pass writes the plan and exits 0, fail exits 100 with its reason, a throw exits 1", async () => {
  const passing = defineBuildpack({ detect: () => pass({ provides: [{ name: "x" }], or: [{ requires: [{ name: "y", metadata: { v: 1 } }] }] }), build: noBuild });
  const p = await runDetect(passing);
  assert.equal(p.exitCode, 0);
  assert.ok(p.outcome === "pass");
  assert.deepEqual(p.plan, { provides: [{ name: "x" }], requires: [], or: [{ provides: [], requires: [{ name: "y", metadata: { v: 1 } }] }] });

  const f = await runDetect(defineBuildpack({ detect: () => fail("no package.json"), build: noBuild }));
  assert.deepEqual([f.outcome, f.exitCode, f.stdout], ["fail", 100, "  no package.json\n"]);

  const e = await runDetect(defineBuildpack({ detect: () => Promise.reject(new Error("boom")), build: noBuild }));
  assert.deepEqual([e.outcome, e.exitCode], ["error", 1]);

  // @ts-expect-error detect must return a DetectResult
  const u = await runDetect(defineBuildpack({ detect: () => undefined, build: noBuild }));
  assert.equal(u.exitCode, 1);
  assert.match(u.stderr, /^ERROR: detect returned undefined\n {2}hint: return pass\(\{ provides, requires \}\) or fail\(\)\n$/);
});

test("a buildpack error becomes a clear message and exit 1, never a stack trace", async () => {
  const expected = defineBuildpack({
    detect: () => pass(),
    build: () => {
      throw new PaketoError("NODE_VERSION", 'package.json: engines.node ">=99" matches no Node.js release', { hint: "supported: 20, 22, 24", cause: new Error("no match") });
    },
  });
  const a = await runBuild(expected);
  assert.equal(a.exitCode, 1);
  assert.equal(a.stderr, 'ERROR: package.json: engines.node ">=99" matches no Node.js release\n  hint: supported: 20, 22, 24\n  caused by: no match\n');

  const bug = defineBuildpack({
    detect: () => pass(),
    build: (ctx) => {
      const missing = ctx.env.NOPE as unknown as { x: string };
      return { labels: { a: missing.x } };
    },
  });
  const b = await runBuild(bug);
  assert.equal(b.exitCode, 1);
  assert.match(b.stderr, /^ERROR: Cannot read properties of undefined \(reading 'x'\)\n {2}\(an unexpected error in the buildpack; BP_LOG_LEVEL=DEBUG prints its stack trace\)\n$/);
  const c = await runBuild(bug, { env: { BP_LOG_LEVEL: "debug" } });
  assert.match(c.stderr, /\n\s+at /, "with BP_LOG_LEVEL=DEBUG the stack is printed");
});

test("buildpack.toml: the API is checked and [metadata] is typed through the schema", async () => {
  const bp = defineBuildpack({
    metadata: s.object({ "default-version": s.string() }),
    detect: (ctx) => {
      const v: string = ctx.buildpack.metadata["default-version"];
      return v === "22" ? pass() : fail();
    },
    build: noBuild,
  });
  assert.equal((await runDetect(bp, { buildpackToml: toml("0.10", '\n[metadata]\ndefault-version = "22"\n') })).outcome, "pass");
  const bad = await runDetect(bp, { buildpackToml: toml("0.10", "\n[metadata]\ndefault-version = 22\n") });
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stderr, /^ERROR: .*buildpack\.toml: \[metadata\]: default-version: expected a string, got number 22\n/);
  const old = await runDetect(bp, { buildpackToml: toml("0.6") });
  assert.match(old.stderr, /Buildpack API 0\.6 is not supported/);
});

test("the context: env, platform env and bindings, target, exec env, buildpack details", async () => {
  let seen: DetectContext | undefined;
  const bp = defineBuildpack({ detect: (ctx) => ((seen = ctx), pass()), build: noBuild });
  await runDetect(bp, {
    buildpackToml: toml("0.12"),
    app: { "package.json": "{}" },
    env: { PATH: "/usr/bin" },
    platformEnv: { BP_NODE_VERSION: "22" },
    bindings: { certs: { type: "ca-certificates", provider: "acme", entries: { "ca.pem": "PEM" } } },
    target: { arch: "arm64", distro: { name: "debian", version: "13" } },
    execEnv: "test",
  });
  assert.ok(seen);
  assert.equal(seen.env.BP_NODE_VERSION, "22", "user env reaches the process env (CNB-9)");
  assert.equal(seen.env.PATH, "/usr/bin");
  assert.deepEqual(seen.platform.env, { BP_NODE_VERSION: "22" });
  assert.deepEqual(
    seen.platform.bindings.map((b) => ({ ...b, path: b.path.endsWith("/platform/bindings/certs") })),
    [{ name: "certs", type: "ca-certificates", provider: "acme", path: true, entries: { "ca.pem": "PEM" } }],
  );
  assert.deepEqual(seen.target, { os: "linux", arch: "arm64", variant: undefined, distro: { name: "debian", version: "13" } });
  assert.equal(seen.execEnv, "test");
  assert.deepEqual([seen.buildpack.id, seen.buildpack.version, seen.buildpack.name, seen.buildpack.api], ["test/bp", "1.2.3", "Test", "0.12"]);
  assert.ok(seen.appDir.endsWith("/workspace"));

  // API 0.7: positional args only, no CNB_TARGET_*; clear-env keeps user env out of the process env.
  await runDetect(bp, { buildpackToml: toml("0.7", "clear-env = true\n"), platformEnv: { BP_X: "1" } });
  assert.equal(seen.env.CNB_PLATFORM_DIR, undefined);
  assert.equal(seen.env.BP_X, undefined);
  assert.deepEqual(seen.platform.env, { BP_X: "1" });
  assert.equal(seen.target.os, "linux");
  assert.equal(seen.execEnv, "production");
});

test("the buildpack plan: entries by name, metadata typed through a schema", async () => {
  const Node = s.object({ version: s.optional(s.string()) });
  let versions: (string | undefined)[] = [];
  const bp = defineBuildpack({
    detect: () => pass(),
    build: (ctx) => {
      versions = ctx.plan.select("node", Node).map((e) => e.metadata.version);
      assert.equal(ctx.plan.has("npm"), false);
      return {};
    },
  });
  const ok = await runBuild(bp, { plan: [{ name: "node", metadata: { version: "22" } }, { name: "node" }, { name: "yarn" }] });
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.deepEqual(versions, ["22", undefined]);
  const bad = await runBuild(bp, { plan: [{ name: "node", metadata: { version: 22 } }] });
  assert.match(bad.stderr, /^ERROR: buildpack plan: entry "node" #1: metadata: version: expected a string, got number 22\n/);
});

test("layer env, exec.d and SBOM files get the spec's names", async () => {
  const bp = defineBuildpack({
    detect: () => pass(),
    build: async (ctx) => {
      const node = await ctx.layers.cached("node", { build: true, launch: true, metadata: s.object({}), onRestored: () => "keep" });
      await node.writeEnv(
        layerEnv()
          .override("NODE_HOME", node.path)
          .prepend("PATH", `${node.path}/bin`, { delim: ":", scope: "build" })
          .default("NODE_ENV", "production", { scope: "launch" })
          .append("NODE_OPTIONS", "--inspect", { delim: " ", scope: { process: "debug" } }),
      );
      await node.writeExecD([{ name: "memory", content: "#!/bin/sh\necho 'X = \"1\"' >&3\n" }, { name: "port", process: "web", content: "#!/bin/sh\n" }]);
      await node.writeSbom({ format: "cyclonedx", content: '{"bomFormat":"CycloneDX"}' }, { format: "spdx", content: "{}" });
      return { sbom: { launch: [{ format: "cyclonedx", content: "{}" }], build: [{ format: "spdx", content: "{}" }] } };
    },
  });
  const formats = 'sbom-formats = ["application/vnd.cyclonedx+json", "application/spdx+json"]\n';
  const r = await runBuild(bp, { buildpackToml: toml("0.10", formats) });
  assert.equal(r.exitCode, 0, r.stderr);
  const node = r.layers.node;
  assert.ok(node);
  assert.deepEqual(Object.keys(node.files).sort(), [
    "env.build/PATH.delim",
    "env.build/PATH.prepend",
    "env.launch/NODE_ENV.default",
    "env.launch/debug/NODE_OPTIONS.append",
    "env.launch/debug/NODE_OPTIONS.delim",
    "env/NODE_HOME.override",
    "exec.d/memory",
    "exec.d/web/port",
  ]);
  assert.deepEqual(node.executables, ["exec.d/memory", "exec.d/web/port"]);
  assert.deepEqual(Object.keys(r.files), ["build.sbom.spdx.json", "launch.sbom.cdx.json", "node.sbom.cdx.json", "node.sbom.spdx.json", "node.toml"]);
  assert.equal(r.files["node.sbom.cdx.json"], '{"bomFormat":"CycloneDX"}');

  const undeclared = await runBuild(bp, { buildpackToml: toml("0.10", 'sbom-formats = ["application/spdx+json"]\n') });
  assert.equal(undeclared.exitCode, 1);
  assert.match(undeclared.stderr, /^ERROR: node\.sbom\.cdx\.json: buildpack\.toml does not declare application\/vnd\.cyclonedx\+json in \[buildpack\] sbom-formats\n {2}hint: add sbom-formats = /);
});

test("layer names and uses the spec forbids are refused", async () => {
  const named = (name: string) => defineBuildpack({ detect: () => pass(), build: async (ctx) => (await ctx.layers.uncached(name), {}) });
  assert.match((await runBuild(named("launch"))).stderr, /layer name: "launch" is reserved/);
  assert.match((await runBuild(named("a/b"))).stderr, /must not contain a path separator/);
  const twice = defineBuildpack({
    detect: () => pass(),
    build: async (ctx) => {
      await ctx.layers.uncached("x");
      await ctx.layers.uncached("x");
      return {};
    },
  });
  assert.match((await runBuild(twice)).stderr, /layer x: already created in this build/);
});

test("uncached layers start empty; a rebuilt layer loses its contents and old SBOMs; keep keeps them", async () => {
  const Meta = s.object({ v: s.integer() });
  const bp = (want: number) =>
    defineBuildpack({
      detect: () => pass(),
      build: async (ctx: BuildContext) => {
        const tmp = await ctx.layers.uncached("tmp", { build: true });
        assert.deepEqual(tmp.state, { kind: "empty", cause: "new" });
        const c = await ctx.layers.cached("c", { cache: true, metadata: Meta, onRestored: (m) => (m.v === want ? "keep" : "rebuild") });
        if (c.state.kind === "empty") await c.write({ v: want });
        return {};
      },
    });
  const layers = { tmp: { metadata: {}, files: { old: "x" } }, c: { metadata: { v: 1 }, files: { data: "cached" } } };
  const kept = await runBuild(bp(1), { layers });
  assert.equal(kept.exitCode, 0, kept.stderr);
  assert.deepEqual(kept.layers.tmp?.files, {});
  assert.deepEqual(kept.layers.tmp?.types, { build: true, launch: false, cache: false });
  assert.deepEqual(kept.layers.c?.files, { data: "cached" });
  const rebuilt = await runBuild(bp(2), { layers });
  assert.deepEqual(rebuilt.layers.c?.files, {});
  assert.deepEqual(rebuilt.layers.c?.metadata, { v: 2 });
});

test("a launch-only layer kept from the previous image stays without a dir; its contents cannot be written", async () => {
  const bp = defineBuildpack({
    detect: () => pass(),
    build: async (ctx) => {
      const l = await ctx.layers.cached("app", { launch: true, cache: false, metadata: s.object({ sha: s.string() }), onRestored: () => "keep" });
      assert.equal(l.state.kind, "restored");
      await l.write({ sha: "new" });
      await l.writeEnv(layerEnv().override("A", "b"));
      return {};
    },
  });
  const r = await runBuild(bp, { layers: { app: { metadata: { sha: "abc" }, metadataOnly: true } } });
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /layer app: cannot write its env: the layer reuses the previous image's layer as it is/);
  assert.deepEqual(r.layers.app, { types: { launch: true, build: false, cache: false }, metadata: { sha: "new" }, hasDir: false, files: {}, executables: [], links: {} });
});

test("a write with metadata its schema refuses is an error, not a silent bad cache", async () => {
  const bp = defineBuildpack({
    detect: () => pass(),
    build: async (ctx) => {
      const l = await ctx.layers.cached("c", { metadata: s.object({ v: s.integer() }), onRestored: () => "keep" });
      await l.write({ v: 1.5 });
      return {};
    },
  });
  assert.match((await runBuild(bp)).stderr, /^ERROR: layer c: metadata to write: v: expected an integer, got number 1\.5\n/);
});

test("store.toml: written from the result, typed on the next build; a mismatch reads as undefined", async () => {
  const Store = s.object({ builds: s.integer() });
  let seen: unknown = "unset";
  const bp = defineBuildpack({
    store: Store,
    detect: () => pass(),
    build: (ctx) => {
      seen = ctx.store;
      return { store: { builds: (ctx.store?.builds ?? 0) + 1 } };
    },
  });
  const first = await runBuild(bp);
  assert.equal(seen, undefined);
  assert.deepEqual(first.store, { builds: 1 });
  assert.equal(first.files["store.toml"], "[metadata]\nbuilds = 1\n");
  const second = await runBuild(bp, { store: first.store });
  assert.deepEqual(seen, { builds: 1 });
  assert.deepEqual(second.store, { builds: 2 });
  await runBuild(bp, { store: { builds: "many" } });
  assert.equal(seen, undefined);
});

test("unmet entries reach build.toml; processes, labels and slices reach launch.toml", async () => {
  const bp = defineBuildpack({
    detect: () => pass(),
    build: () => ({
      unmet: ["yarn"],
      processes: [{ type: "web", command: ["node", "server.js"], default: true }, { type: "worker", command: ["node", "worker.js"] }],
      labels: { "org.example.built-by": "test" },
      slices: [{ paths: ["public/*"] }],
    }),
  });
  const r = await runBuild(bp, { plan: [{ name: "node" }, { name: "yarn" }] });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual(r.build?.unmet, [{ name: "yarn" }]);
  assert.equal(r.launch?.processes.length, 2);
  assert.deepEqual(r.launch?.labels, [{ key: "org.example.built-by", value: "test" }]);
  assert.deepEqual(r.launch?.slices, [{ paths: ["public/*"] }]);
  const wrong = await runBuild(bp, { plan: [{ name: "node" }] });
  assert.match(wrong.stderr, /unmet "yarn" is not in the buildpack plan/);
});
