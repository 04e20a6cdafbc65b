import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { hasCommand } from "../../testing/index.js";
import { compareVersions, isValidVersion, parseVersion, satisfiesVersion } from "./version.js";

// [a, b, sign of compare(a, b)]
const CASES: Array<[string, string, -1 | 0 | 1]> = [
  ["1.0", "1.0", 0],
  ["1.0", "1.1", -1],
  ["1.10", "1.9", 1],
  ["1.0", "1.0-0", 0],
  ["1.0-1", "1.0-2", -1],
  ["1.0-10", "1.0-9", 1],
  ["1:1.0", "2.0", 1],
  ["0:1.0", "1.0", 0],
  ["1:0.1", "0:9.9", 1],
  ["2:1.0", "10:0.1", -1],
  ["1.0~rc1", "1.0", -1],
  ["1.0~rc1", "1.0~rc2", -1],
  ["1.0~~", "1.0~", -1],
  ["1.0~~a", "1.0~~", 1],
  ["1.0~", "1.0", -1],
  ["1.0", "1.0+b1", -1],
  ["1.0+b1", "1.0.1", -1],
  ["1.0a", "1.0", 1],
  ["1.0a", "1.0b", -1],
  ["1.0a", "1.0+", -1],
  ["1.0-1~bpo1", "1.0-1", -1],
  ["1.0-1", "1.0-1+deb12u1", -1],
  ["3.5.9-1~deb13u1", "3.5.9-1", -1],
  ["3.5.9-1~deb13u1", "3.5.1-1", 1],
  ["2.41-12+deb13u5", "2.41-12", 1],
  ["1:1.3.dfsg+really1.3.1-1+deb13u1", "1:1.3.dfsg-3", 1],
  ["1.2.3", "1.2.3.0", -1],
  ["007", "7", 0],
  ["1.001", "1.1", 0],
  ["a", "b", -1],
  ["1.0-a", "1.0-1", 1],
  ["2025b-4", "2025a-4", 1],
  ["2026f-0+deb13u1", "2026f-0", 1],
  ["20250419+deb13u1", "20250419", 1],
  ["1.0.0~alpha", "1.0.0~beta", -1],
  ["1.0-1.1", "1.0-1", 1],
  ["1:2.0~git20240101-1", "1:2.0-1", -1],
  ["5.40.1-6+deb13u1", "5.40.1-6", 1],
  ["9.9", "10", -1],
  ["1.2.3-1ubuntu1", "1.2.3-1", 1],
];

test("compareVersions follows dpkg on the whole table", () => {
  assert.ok(CASES.length >= 30);
  for (const [a, b, want] of CASES) {
    assert.equal(compareVersions(a, b), want, `${a} vs ${b}`);
    assert.equal(compareVersions(b, a), -want || 0, `${b} vs ${a}`);
  }
});

test("the table agrees with the real dpkg --compare-versions", () => {
  assert.ok(hasCommand("dpkg"), "dpkg is needed to check the table");
  for (const [a, b, want] of CASES) {
    const op = want < 0 ? "lt" : want > 0 ? "gt" : "eq";
    const r = spawnSync("dpkg", ["--compare-versions", a, op, b]);
    assert.equal(r.status, 0, `dpkg disagrees: ${a} ${op} ${b}`);
  }
});

test("satisfiesVersion implements <<, <=, =, >=, >>", () => {
  assert.ok(satisfiesVersion("1.0", "<<", "1.1"));
  assert.ok(!satisfiesVersion("1.1", "<<", "1.1"));
  assert.ok(satisfiesVersion("1.1", "<=", "1.1"));
  assert.ok(satisfiesVersion("1.1-0", "=", "1.1"));
  assert.ok(satisfiesVersion("3.5.9-1~deb13u1", ">=", "3.5.0"));
  assert.ok(!satisfiesVersion("3.5~rc1", ">=", "3.5"));
  assert.ok(satisfiesVersion("1:0.1", ">>", "9.9"));
  assert.ok(!satisfiesVersion("9.9", ">>", "9.9"));
});

test("parseVersion splits epoch, upstream and revision, and refuses what dpkg refuses", () => {
  assert.deepEqual(parseVersion("1:2.3-4-5"), { epoch: 1, upstream: "2.3-4", revision: "5" });
  assert.deepEqual(parseVersion("2.3"), { epoch: 0, upstream: "2.3", revision: "" });
  assert.deepEqual(parseVersion("1:1.3.dfsg+really1.3.1-1+deb13u1"), { epoch: 1, upstream: "1.3.dfsg+really1.3.1", revision: "1+deb13u1" });
  for (const bad of ["", "a:1.0", "1.0-", ":1.0", "1.0 2", "1.0_1"]) {
    assert.equal(isValidVersion(bad), false, JSON.stringify(bad));
  }
  assert.throws(() => parseVersion("x:1"), (e: Error & { code?: string }) => e.code === "DEBIAN_VERSION" && /epoch/.test(e.message));
});
