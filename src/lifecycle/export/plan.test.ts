import { test } from "node:test";
import assert from "node:assert/strict";
import type { LifecycleMetadata } from "../../cnb/index.js";
import { compileGlob, ExportError, planExport, sliceAppDir } from "./index.js";

const previous: LifecycleMetadata = {
  app: [{ sha: "sha256:app1" }, { sha: "sha256:app2" }],
  sbom: { sha: "sha256:sbom" },
  buildpacks: [
    { key: "acme/node", version: "1.0.0", layers: { node: { sha: "sha256:node", data: {}, launch: true, build: false, cache: true } } },
    { key: "acme/app", version: "0.1.0", layers: { modules: { sha: "sha256:modules", data: {}, launch: true, build: false, cache: false } } },
  ],
  launcher: { sha: "sha256:launcher" },
  config: { sha: "sha256:config" },
  processTypes: { sha: "sha256:pt" },
};

const layer = (name: string, flags: Partial<{ launch: boolean; build: boolean; cache: boolean; hasContents: boolean }>) => ({
  name,
  launch: false,
  build: false,
  cache: false,
  hasContents: true,
  ...flags,
});

test("planExport: CNB-43 order, created_by strings, reuse of metadata-only launch layers", () => {
  const plan = planExport(
    {
      buildpacks: [
        { id: "acme/node", version: "1.0.0", layers: [layer("zz", { launch: true }), layer("node", { launch: true, cache: true }), layer("tools", { build: true })] },
        { id: "acme/app", version: "0.1.0", layers: [layer("modules", { launch: true, hasContents: false })] },
      ],
      slices: 1,
      sbom: true,
      processes: 2,
    },
    previous,
  );
  assert.deepEqual(
    plan.map((p) => [p.id, p.action, p.createdBy, p.previous]),
    [
      ["acme/node:node", "build", "Layer: 'node', Created by buildpack: acme/node@1.0.0", ["sha256:node"]],
      ["acme/node:zz", "build", "Layer: 'zz', Created by buildpack: acme/node@1.0.0", []],
      ["acme/app:modules", "reuse", "Layer: 'modules', Created by buildpack: acme/app@0.1.0", ["sha256:modules"]],
      ["sbom", "build", "Software Bill-of-Materials", ["sha256:sbom"]],
      ["slice 1", "build", "Application Slice: 1", ["sha256:app1", "sha256:app2"]],
      ["slice 2", "build", "Application Slice: 2", ["sha256:app1", "sha256:app2"]],
      ["launcher", "build", "Buildpacks Application Launcher", ["sha256:launcher"]],
      ["config", "build", "Buildpacks Launcher Config", ["sha256:config"]],
      ["process-types", "build", "Buildpacks Process Types", ["sha256:pt"]],
    ],
  );
});

test("planExport: no previous image, no sbom, no slices, no processes", () => {
  const plan = planExport({ buildpacks: [{ id: "a", version: "1.0.0", layers: [] }], slices: 0, sbom: false, processes: 0 }, undefined);
  assert.deepEqual(
    plan.map((p) => [p.id, p.createdBy, p.previous]),
    [
      ["app", "Application Layer", []],
      ["launcher", "Buildpacks Application Launcher", []],
      ["config", "Buildpacks Launcher Config", []],
    ],
  );
});

test("planExport: what cannot be exported", () => {
  const bp = (l: ReturnType<typeof layer>) => ({ buildpacks: [{ id: "acme/app", version: "0.1.0", layers: [l] }], slices: 0, sbom: false, processes: 0 });
  const code = (c: string) => (e: unknown) => e instanceof ExportError && e.code === c;
  // A launch layer kept without contents that the previous image does not have.
  assert.throws(() => planExport(bp(layer("other", { launch: true, hasContents: false })), previous), code("EXPORT_REUSE"));
  assert.throws(() => planExport(bp(layer("modules", { launch: true, hasContents: false })), undefined), code("EXPORT_REUSE"));
  // cache=true without contents, launch or not (CNB-25, CNB-51).
  assert.throws(() => planExport(bp(layer("modules", { launch: true, cache: true, hasContents: false })), previous), code("EXPORT_CACHE_NO_CONTENTS"));
  assert.throws(() => planExport(bp(layer("c", { cache: true, hasContents: false })), previous), code("EXPORT_CACHE_NO_CONTENTS"));
  // Build-only layers without contents are nobody's business here.
  assert.equal(planExport(bp(layer("b", { build: true, hasContents: false })), undefined).length, 3);
});

test("sliceAppDir: the reference's rules", () => {
  const paths = ["", "a", "a/x.css", "a/sub", "a/sub/y.css", "b", "b/z.js", "c.txt"].map((rel) => ({ rel, isDir: !rel.includes(".") }));
  const name = (ls: number[][]) => ls.map((l) => l.map((i) => paths[i]?.rel));
  // A matched folder takes its subtree; the parents of matches come along; everything else is the last layer.
  assert.deepEqual(name(sliceAppDir(paths, [{ paths: ["a/sub"] }], "/workspace")), [
    ["", "a", "a/sub", "a/sub/y.css"],
    ["", "a", "a/x.css", "b", "b/z.js", "c.txt"],
  ]);
  // Once a folder's children are all taken, the folder is taken too; later slices do not see taken files.
  assert.deepEqual(name(sliceAppDir(paths, [{ paths: ["a/*"] }, { paths: ["a/*", "*.txt"] }], "/workspace")), [
    ["", "a", "a/x.css", "a/sub", "a/sub/y.css"],
    ["", "c.txt"],
    ["", "b", "b/z.js"],
  ]);
  // Absolute paths inside the app dir; nothing matched is an empty layer.
  assert.deepEqual(name(sliceAppDir(paths, [{ paths: ["/workspace/b/*.js"] }, { paths: ["none"] }], "/workspace")), [
    ["", "b", "b/z.js"],
    [],
    ["", "a", "a/x.css", "a/sub", "a/sub/y.css", "c.txt"],
  ]);
  // Everything sliced: the app dir itself goes with the last slice that completed it.
  assert.deepEqual(name(sliceAppDir(paths, [{ paths: ["*"] }], "/workspace")).at(-1), []);
  assert.throws(() => sliceAppDir(paths, [{ paths: ["/etc/*"] }], "/workspace"), (e: unknown) => e instanceof ExportError && e.code === "EXPORT_SLICE");
  assert.throws(() => sliceAppDir(paths, [{ paths: ["../x"] }], "/workspace"), (e: unknown) => e instanceof ExportError && e.code === "EXPORT_SLICE");
  assert.throws(() => sliceAppDir(paths, [{ paths: ["[a-"] }], "/workspace"), (e: unknown) => e instanceof ExportError && e.code === "EXPORT_SLICE");
});

test("compileGlob follows Go's filepath.Match", () => {
  const cases: Array<[string, string, boolean]> = [
    ["abc", "abc", true],
    ["*", "abc", true],
    ["*c", "abc", true],
    ["a*", "a", true],
    ["a*", "ab/c", false],
    ["a*/b", "abc/b", true],
    ["a*b*c*d*e*/f", "axbxcxdxe/f", true],
    ["a*b?c*x", "abxbbxdbxebxczzx", true],
    ["a*b?c*x", "abxbbxdbxebxczzy", false],
    ["ab[c]", "abc", true],
    ["ab[b-d]", "abc", true],
    ["ab[e-g]", "abc", false],
    ["ab[^c]", "abc", false],
    ["ab[^b-d]", "abe", true],
    ["a\\*b", "a*b", true],
    ["a\\*b", "ab", false],
    ["a?b", "a☺b", true],
    ["a[^a]b", "a☺b", true],
    ["a???b", "a☺b", false],
    ["[a-ζ]*", "α", true],
    ["*[a-ζ]", "A", false],
    ["a?b", "a/b", false],
    ["a*b", "a/b", false],
    ["[\\]a]", "]", true],
    ["[\\-]", "-", true],
    ["[x\\-]", "z", false],
    ["[x\\-]", "-", true],
    ["[\\-x]", "x", true],
    ["*x", "xxx", true],
    ["static/*", "static/app.css", true],
    ["static/*", "static/img/logo.svg", false],
  ];
  for (const [pattern, name, want] of cases) assert.equal(compileGlob(pattern).match(name), want, `${pattern} ~ ${name}`);
  for (const bad of ["[]a]", "[-]", "[x-]", "[a-b-]", "[a-b-c]", "[-x]", "[", "[^", "[^bc", "a[", "a\\", "[z-a]"]) {
    assert.throws(() => compileGlob(bad), `${bad} is malformed`);
  }
});
