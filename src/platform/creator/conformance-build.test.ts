// CNB conformance through the real CLI, part 2: detect, build and the state a build hands to the
// next one. Every build uses the conformance builder (order: [order-a, order-b], then [meta,
// order-e (optional)]) and exports to the store; what the buildpacks saw is read from the build
// log or from files they left in the app, read back from the exported image.
// Fixtures: src/platform/creator/fixtures/conformance (see its README).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { tempDir, writeTree } from "../../testing/index.js";
import { cli, CONFORMANCE_BUILDER, layerFiles, makeConformanceBuilder, readImage } from "./testing/e2e.js";

let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
const c = cli(() => env);
const { paketo, ok } = c;

before(async () => {
  tmp = tempDir("pk-build-");
  env = { ...process.env, PAKETO_STORE: join(tmp.path, "store") };
  await makeConformanceBuilder(c, tmp.path);
});

after(() => tmp?.cleanup());

/** Builds `app` into the store as `dest` (with a build cache of its own in the test's dir); asserts exit 0; returns the log. */
async function build(dest: string, app: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}): Promise<string> {
  const cache = args.includes("--cache-dir") ? [] : ["--cache-dir", join(tmp.path, "caches", dest.replace(/\W/g, "_"))];
  const r = await paketo(["build", dest, "--builder", CONFORMANCE_BUILDER, "--path", app, ...cache, ...args], extra);
  assert.equal(r.code, 0, r.stderr);
  return r.stderr;
}

let reads = 0;
/** The image `dest` of the store as it is now. */
const image = (dest: string) => readImage(c, dest, join(tmp.path, "images", String(++reads)));

/** A file the buildpacks left in the app, from the image's app layer. */
async function appFile(dest: string, path: string): Promise<string | undefined> {
  return layerFiles(await image(dest), "Application Layer").get(`workspace/${path}`)?.data.toString("utf8");
}

async function labels(dest: string): Promise<Record<string, string>> {
  return (await image(dest)).labels;
}

describe("detect and build", { concurrency: true }, () => {
  /** Builds an app with the order markers given, with the builder's order; the buildpacks that built, in order. */
  async function orderBuild(name: string, markers: string[]): Promise<{ label: string[]; ran: string }> {
    const app = writeTree(join(tmp.path, `apps/order-${name}`), Object.fromEntries(markers.map((m) => [`order/${m}`, ""])));
    await build(`order:${name}`, app);
    const metadata = JSON.parse((await labels(`order:${name}`))["io.buildpacks.build.metadata"] ?? "{}") as { buildpacks: Array<{ id: string }> };
    return { label: metadata.buildpacks.map((b) => b.id), ran: (await appFile(`order:${name}`, "order.log")) ?? "" };
  }

  test("CNB-35: the first group that passes wins, though a later one would pass too", async () => {
    const r = await orderBuild("first", ["a", "b", "c"]);
    assert.deepEqual(r.label, ["conformance/order-a", "conformance/order-b"]);
    assert.equal(r.ran, "conformance_order-a\nconformance_order-b\n");
  });

  test("CNB-5, CNB-34, CNB-35: a composite expands in place, its first passing group in its order; a failing optional buildpack is dropped", async () => {
    // Group 1 needs marker a; group 2 is meta ([b, c] or [d]) then order-e (optional, no marker e).
    const r = await orderBuild("composite", ["b", "c", "d"]);
    assert.deepEqual(r.label, ["conformance/order-b", "conformance/order-c"]);
    assert.equal(r.ran, "conformance_order-b\nconformance_order-c\n");
  });

  test("CNB-5, CNB-34: a composite's later group when its first fails; a passing optional buildpack stays", async () => {
    const r = await orderBuild("alternative", ["d", "e"]);
    assert.deepEqual(r.label, ["conformance/order-d", "conformance/order-e"]);
    assert.equal(r.ran, "conformance_order-d\nconformance_order-e\n");
  });

  test("CNB-8, CNB-11, CNB-36: an [[or]] alternative resolves the plan; an unmet entry goes to the next provider, a met one to nobody after", async () => {
    const app = writeTree(join(tmp.path, "apps/plan"), { "app.txt": "" });
    await build("plan:1", app, ["--buildpack", "conformance/plan-first", "--buildpack", "conformance/plan-second", "--buildpack", "conformance/plan-or"]);
    const plan = async (id: string) => JSON.parse(JSON.stringify(parse((await appFile("plan:1", `plans/${id}.toml`)) ?? "missing"))) as { entries?: unknown[] };
    const thing = [{ name: "thing", metadata: { via: "or" } }];
    assert.deepEqual((await plan("plan-first")).entries, thing, "plan-first provides thing and gets its requirement (from the [[or]] alternative)");
    assert.deepEqual((await plan("plan-second")).entries, thing, "plan-first left it unmet, so plan-second gets it too");
    assert.deepEqual((await plan("plan-or")).entries ?? [], [], "plan-second met it, so the last provider gets nothing");
  });

  test("CNB-9, CNB-30, CNB-60: user env reaches buildpacks, clear-env ones only as files; paketo's own env never", async () => {
    const app = writeTree(join(tmp.path, "apps/clear"), { "app.txt": "" });
    const log = await build("clear:1", app, ["--buildpack", "conformance/probe", "--buildpack", "conformance/clear", "--env", "CONF_USER_SECRET=s3cr3t"], {
      CONF_HOST_ENV: "leaked",
    });
    assert.match(log, /conformance_probe: env=\[s3cr3t\] file=\[s3cr3t\] host=\[unset\]/);
    assert.match(log, /conformance_clear: env=\[unset\] file=\[s3cr3t\] host=\[unset\]/);
  });

  test("CNB-12, CNB-14, CNB-19: a layer without a toml and an all-false one reach nobody and not the image; a later non-default redefinition leaves no default process", async () => {
    const app = writeTree(join(tmp.path, "apps/odd"), { "app.txt": "" });
    const log = await build("odd:1", app, ["--buildpack", "conformance/odd", "--buildpack", "conformance/redefine"]);
    assert.match(log, /redefine: odd-tool=\[none\] odd layers=\[allfalse\.ignore allfalse\.toml launch\.toml notoml \]/);
    assert.match(log, /redefines the default process type web/);
    const img = await image("odd:1");
    assert.deepEqual(img.config.Entrypoint, ["/cnb/lifecycle/launcher"]);
    assert.deepEqual(img.history.filter((h) => h.includes("Created by buildpack")), []);
  });

  test("CNB-21, CNB-25: store.toml comes back on every rebuild, even with --clear-cache; a cached layer is kept only while valid (TypeScript buildpack)", async () => {
    const app = writeTree(join(tmp.path, "apps/counter"), { "cache-key.txt": "k1\n" });
    const group = ["--buildpack", "conformance/ts"];
    const builds = async () => (await labels("counter:1"))["org.example.conformance.builds"];

    let log = await build("counter:1", app, group);
    assert.match(log, /build 1, plan from \[ts\]\n\s+Building stamp \(new\)/);
    assert.equal(await builds(), "1");

    log = await build("counter:1", app, group);
    assert.match(log, /build 2, plan from \[ts\]\n\s+Reusing stamp from build 1/);
    assert.equal(await builds(), "2");
    const metadata = JSON.parse((await labels("counter:1"))["io.buildpacks.lifecycle.metadata"] ?? "{}") as {
      buildpacks: Array<{ key: string; store?: { metadata: unknown } }>;
    };
    assert.deepEqual(metadata.buildpacks.find((b) => b.key === "conformance/ts")?.store, { metadata: { builds: 2 } });

    log = await build("counter:1", app, [...group, "--clear-cache"]);
    assert.match(log, /build 3, plan from \[ts\]\n\s+Building stamp \(new\)/, "no cache restored, the store still is");

    writeFileSync(join(app, "cache-key.txt"), "k2\n");
    log = await build("counter:1", app, group);
    assert.match(log, /build 4, plan from \[ts\]\n\s+Building stamp \(key changed from k1\)/);
    assert.equal(await builds(), "4");
  });

  test("CNB-25, CNB-39, CNB-49: restored tomls carry no [types]; launch-only metadata comes back alone and its layer is reused; a broken cache blob restores nothing", async () => {
    const app = writeTree(join(tmp.path, "apps/cache"), { "app.txt": "" });
    const cacheDir = join(tmp.path, "cache-dir");
    const args = ["--buildpack", "conformance/cache", "--cache-dir", cacheDir];
    const restored = (log: string) => [...log.matchAll(/restored (\w+):(.*)$/gm)].map((m) => `${m[1]}:${m[2]}`);
    const launchOnlySha = async () =>
      (JSON.parse((await labels("cache:1"))["io.buildpacks.lifecycle.metadata"] ?? "{}") as { buildpacks: Array<{ layers: Record<string, { sha: string }> }> })
        .buildpacks[0]?.layers.launchonly?.sha;

    assert.deepEqual(restored(await build("cache:1", app, args)), ["cached:", "launchonly:", "buildonly:"]);
    const first = await launchOnlySha();
    assert.match(first ?? "", /^sha256:/);

    assert.deepEqual(restored(await build("cache:1", app, args)), ["cached: toml n = 1 dir", "launchonly: toml n = 1", "buildonly:"]);
    assert.equal(await launchOnlySha(), first, "the launch-only layer kept without contents is the previous image's layer");

    // Break every blob of the cache image's layers: the restore must bring back neither the toml nor the dir.
    const blob = (digest: string) => join(cacheDir, "blobs", ...digest.split(":"));
    type Index = { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
    const index = JSON.parse(readFileSync(join(cacheDir, "index.json"), "utf8")) as Index;
    const current = index.manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === "cache");
    assert.ok(current, JSON.stringify(index));
    const manifest = JSON.parse(readFileSync(blob(current.digest), "utf8")) as { layers: Array<{ digest: string }> };
    assert.ok(manifest.layers.length > 0);
    for (const l of manifest.layers) writeFileSync(blob(l.digest), "not the layer");
    assert.deepEqual(restored(await build("cache:1", app, args)), ["cached:", "launchonly: toml n = 1", "buildonly:"]);

    // The cache heals: the next build restores what the last one saved.
    assert.deepEqual(restored(await build("cache:1", app, args)), ["cached: toml n = 1 dir", "launchonly: toml n = 1", "buildonly:"]);
  });
});
