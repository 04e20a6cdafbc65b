import { test } from "node:test";
import assert from "node:assert/strict";
import { inferTargets, parseApiVersion, type RunImageTarget, type Target, targetMatches } from "./index.js";

const linuxAmd64: RunImageTarget = { os: "linux", arch: "amd64", distro: { name: "ubuntu", version: "22.04" } };
const linuxArm64: RunImageTarget = { os: "linux", arch: "arm64", variant: "v8", distro: { name: "ubuntu", version: "22.04" } };
const noDistro: RunImageTarget = { os: "linux", arch: "amd64" };
const windows: RunImageTarget = { os: "windows", arch: "amd64" };

test("CNB-4, CNB-37: target matrix (omitted fields and empty lists match anything)", () => {
  const cases: [string, Target[], RunImageTarget, boolean][] = [
    ["no targets", [], linuxAmd64, true],
    ["any", [{ distros: [] }], windows, true],
    ["os only", [{ os: "linux", distros: [] }], linuxArm64, true],
    ["os mismatch", [{ os: "linux", distros: [] }], windows, false],
    ["arch mismatch", [{ os: "linux", arch: "arm64", distros: [] }], linuxAmd64, false],
    ["one of two", [{ os: "linux", arch: "amd64", distros: [] }, { os: "linux", arch: "arm64", distros: [] }], linuxArm64, true],
    ["variant mismatch", [{ os: "linux", arch: "arm64", variant: "v7", distros: [] }], linuxArm64, false],
    ["variant unknown on image", [{ os: "linux", arch: "amd64", variant: "v2", distros: [] }], linuxAmd64, true],
    ["distro match", [{ os: "linux", distros: [{ name: "ubuntu", version: "22.04" }] }], linuxAmd64, true],
    ["distro version mismatch", [{ os: "linux", distros: [{ name: "ubuntu", version: "18.04" }] }], linuxAmd64, false],
    ["one distro of two", [{ distros: [{ name: "debian", version: "12" }, { name: "ubuntu" }] }], linuxAmd64, true],
    ["distro listed, image has none", [{ os: "linux", distros: [{ name: "ubuntu" }] }], noDistro, false],
  ];
  for (const [name, targets, run, want] of cases) assert.equal(targetMatches(targets, run), want, name);
});

test("CNB-4: inference from [[targets]], [[stacks]] and bin/", () => {
  const api10 = parseApiVersion("0.10");
  const api7 = parseApiVersion("0.7");
  const declared: Target[] = [{ os: "linux", arch: "arm64", distros: [] }];
  assert.deepEqual(inferTargets({ api: api10, targets: declared, stacks: [{ id: "*", mixins: [] }] }), declared);
  assert.deepEqual(inferTargets({ api: api10, targets: [], stacks: [{ id: "*", mixins: [] }] }), [{ distros: [] }]);
  const bionic = [{ os: "linux", arch: "amd64", distros: [{ name: "ubuntu", version: "18.04" }] }];
  assert.deepEqual(inferTargets({ api: api10, targets: [], stacks: [{ id: "io.buildpacks.stacks.bionic", mixins: [] }] }), bionic);
  const twoStacks = [
    { id: "io.buildpacks.stacks.bionic", mixins: [] },
    { id: "io.buildpacks.stacks.jammy", mixins: [] },
  ];
  // Reference quirk: below API 0.10 bionic is translated only when it is the sole stack.
  assert.deepEqual(inferTargets({ api: api10, targets: [], stacks: twoStacks }, ["build"]), bionic);
  assert.deepEqual(inferTargets({ api: api7, targets: [], stacks: twoStacks }, ["build", "detect"]), [{ os: "linux", distros: [] }]);
  assert.deepEqual(inferTargets({ api: api10, targets: [], stacks: [] }, ["build.bat", "detect.bat"]), [{ os: "windows", distros: [] }]);
  assert.deepEqual(inferTargets({ api: api10, targets: [], stacks: [] }, []), []);
});
