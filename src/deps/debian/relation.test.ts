import assert from "node:assert/strict";
import { test } from "node:test";
import { formatGroup, parseRelations } from "./relation.js";

test("parseRelations reads alternatives, versions, architecture qualifiers and restrictions", () => {
  const g = parseRelations("libc6 (>= 2.34), debconf (>= 0.5) | debconf-2.0, python3:any, perl:native (<< 6), foo [amd64 !i386] <!nocheck>");
  assert.equal(g.length, 5);
  assert.deepEqual(g[0], [{ name: "libc6", op: ">=", version: "2.34" }]);
  assert.deepEqual(g[1], [{ name: "debconf", op: ">=", version: "0.5" }, { name: "debconf-2.0" }]);
  assert.deepEqual(g[2], [{ name: "python3", arch: "any" }]);
  assert.deepEqual(g[3], [{ name: "perl", arch: "native", op: "<<", version: "6" }]);
  assert.deepEqual(g[4], [{ name: "foo", archRestriction: ["amd64", "!i386"] }]);
  assert.equal(formatGroup(g[1]!), "debconf (>= 0.5) | debconf-2.0");
});

test("parseRelations maps the deprecated < and > to <= and >=, and tolerates odd spacing", () => {
  assert.deepEqual(parseRelations("a(<1.0),b ( >  2 )"), [
    [{ name: "a", op: "<=", version: "1.0" }],
    [{ name: "b", op: ">=", version: "2" }],
  ]);
  assert.deepEqual(parseRelations(""), []);
  assert.deepEqual(parseRelations(undefined), []);
});

test("parseRelations refuses garbage with the field it came from", () => {
  assert.throws(() => parseRelations("a (>= 1", "Depends of x"), /malformed relation .* in Depends of x/);
});
