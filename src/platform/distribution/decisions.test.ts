// The pure decisions of distribution, tested with literals: stacks, order resolution, the build
// image contract, and how a uri is classified.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { ConfigFile } from "../../oci/index.js";
import { tempDir } from "../../testing/index.js";
import { buildImageUser } from "./build-image.js";
import { resolveBuilderOrder, resolveOrderEntry } from "./builder-order.js";
import { DistributionError } from "./errors.js";
import { locateModule, openImage, parsePullPolicy } from "./source.js";
import { mergeCompatibleStacks, resolveStacks } from "./stacks.js";

const s = (id: string, ...mixins: string[]) => ({ id, mixins });

test("mergeCompatibleStacks follows pack's rules", () => {
  assert.deepEqual(mergeCompatibleStacks([s("a", "m1", "build:m2")], [s("a", "run:m3", "m1")]), [s("a", "build:m2", "m1", "run:m3")]);
  assert.deepEqual(mergeCompatibleStacks([s("a"), s("b", "x")], [s("b", "y")]), [s("b", "x", "y")]);
  assert.deepEqual(mergeCompatibleStacks([s("a")], [s("b")]), []);
  assert.deepEqual(mergeCompatibleStacks([s("*"), s("a", "c")], [s("a", "x"), s("b")]), [s("a", "x"), s("b")]);
  assert.deepEqual(mergeCompatibleStacks([s("a")], [s("*")]), [s("a")]);
  assert.deepEqual(mergeCompatibleStacks([s("*"), s("a")], [s("*")]), [s("*")]);
});

test("resolveStacks: targets-only buildpacks count as *, composites are skipped", () => {
  const comp = { stacks: [], composite: true };
  const targetsOnly = { stacks: [], composite: false };
  assert.deepEqual(resolveStacks(targetsOnly, []), [s("*")]);
  assert.deepEqual(resolveStacks(comp, [targetsOnly, { stacks: [s("*")], composite: false }]), [s("*")]);
  assert.deepEqual(resolveStacks(comp, [{ stacks: [s("io.x")], composite: false }, targetsOnly]), [s("io.x")]);
  assert.deepEqual(resolveStacks(comp, [{ stacks: [s("io.x")], composite: false }, { stacks: [s("io.y")], composite: false }]), []);
  assert.deepEqual(resolveStacks(comp, []), []);
});

test("order entries resolve their version from the builder, or fail naming the field", () => {
  const on = [
    { id: "a", version: "1.0.0" },
    { id: "b", version: "1.0.0" },
    { id: "b", version: "2.0.0" },
  ];
  assert.deepEqual(resolveOrderEntry({ id: "a" as never, optional: true }, on, "f"), { id: "a", version: "1.0.0", optional: true });
  assert.deepEqual(resolveOrderEntry({ id: "b" as never, version: "2.0.0" as never, optional: false }, on, "f"), { id: "b", version: "2.0.0", optional: false });
  assert.throws(() => resolveOrderEntry({ id: "b" as never, optional: false }, on, "x.toml: order[0].group[1]"), /^DistributionError: x.toml: order\[0\].group\[1\].version: is required: the builder has 2 versions of b \(1.0.0, 2.0.0\)$/);
  assert.throws(() => resolveOrderEntry({ id: "c" as never, optional: false }, on, "x.toml: order[0].group[0]"), (e: unknown) => e instanceof DistributionError && e.message === 'x.toml: order[0].group[0].id: buildpack "c" is not on the builder' && /a@1.0.0, b@1.0.0, b@2.0.0/.test(e.hint ?? ""));
  assert.throws(() => resolveBuilderOrder([{ group: [] }], on, "x.toml"), /x.toml: order\[0\].group: is empty/);
});

test("the build image contract (CNB-31)", () => {
  const cfg = (User: string | undefined, Env: string[]): ConfigFile => ({ architecture: "amd64", os: "linux", config: { ...(User !== undefined ? { User } : {}), Env }, rootfs: { type: "layers", diff_ids: [] } });
  const env = ["CNB_USER_ID=1001", "CNB_GROUP_ID=1000"];
  assert.deepEqual(buildImageUser(cfg("1001:1000", env), "b"), { user: "1001:1000", uid: 1001, gid: 1000 });
  assert.deepEqual(buildImageUser(cfg("cnb", env), "b"), { user: "cnb", uid: 1001, gid: 1000 });
  for (const u of [undefined, "", "root", "0", "0:1000", "root:cnb"]) assert.throws(() => buildImageUser(cfg(u, env), "b"), /runs as root/, String(u));
  assert.throws(() => buildImageUser(cfg("cnb", ["CNB_USER_ID=1001"]), "b"), /b has no CNB_GROUP_ID/);
  assert.throws(() => buildImageUser(cfg("cnb", ["CNB_USER_ID=0", "CNB_GROUP_ID=0"]), "b"), /CNB_USER_ID=0, which is root/);
  assert.throws(() => buildImageUser(cfg("cnb", ["CNB_USER_ID=-1", "CNB_GROUP_ID=0"]), "b"), /is not a number/);
});

test("locateModule classifies uris as pack does, in containers/image syntax", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  mkdirSync(join(tmp.path, "bp"));
  writeFileSync(join(tmp.path, "bp.tgz"), gzipSync("x"));
  writeFileSync(join(tmp.path, "bp.cnb"), "not gzip");
  const at = (uri: string) => locateModule(uri, tmp.path, "f");
  assert.deepEqual(await at("bp"), { kind: "artifact", path: join(tmp.path, "bp") });
  assert.deepEqual(await at("./bp.tgz"), { kind: "artifact", path: join(tmp.path, "bp.tgz") });
  assert.deepEqual(await at(`file://${join(tmp.path, "bp")}`), { kind: "artifact", path: join(tmp.path, "bp") });
  assert.deepEqual(await at("bp.cnb"), { kind: "image", name: `oci-archive:${join(tmp.path, "bp.cnb")}` });
  assert.deepEqual(await at("docker://r.example/x:1"), { kind: "image", name: "docker://r.example/x:1" });
  assert.deepEqual(await at("oci:/some/dir:tag"), { kind: "image", name: "oci:/some/dir:tag" });
  assert.deepEqual(await at("paketobuildpacks/nodejs:1"), { kind: "image", name: "paketobuildpacks/nodejs:1" });
  await assert.rejects(at("./nothere"), /f: "\.\/nothere" names .*nothere, which does not exist/);
  await assert.rejects(at("missing.tgz"), /which does not exist/);
  await assert.rejects(at("https://example.com/bp.tgz"), /download URL/);
  await assert.rejects(at("urn:cnb:registry:a/b@1.0.0"), /buildpack registry reference/);
  await assert.rejects(at("ftp://x/y"), /scheme paketo does not know/);
});

test("openImage: the pull policy never keeps away from registries", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const access = { storeRoot: join(tmp.path, "store"), env: {}, pullPolicy: "never" as const };
  await assert.rejects(openImage("tests/absent:1", access, "build image"), /build image tests\/absent:1 is not in the local store/);
  await assert.rejects(openImage("docker://127.0.0.1:1/x:1", access), /is not in the local store, and the pull policy is never/);
  assert.equal(parsePullPolicy("if-not-present"), "if-not-present");
  assert.throws(() => parsePullPolicy("sometimes"), /not one of always, if-not-present, never/);
});
