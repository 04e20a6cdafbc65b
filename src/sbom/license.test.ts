import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyLicense, licenseExpression, licenseRefFor } from "./license.js";

test("SPDX expressions are recognised and written canonically", () => {
  const cases: Array<[string, string]> = [
    ["MIT", "MIT"],
    ["mit", "MIT"],
    ["apache-2.0", "Apache-2.0"],
    ["GPL-2.0+", "GPL-2.0+"],
    ["  MIT   or\tApache-2.0 ", "MIT OR Apache-2.0"],
    ["(MIT)", "MIT"],
    ["MIT OR (Apache-2.0 AND BSD-3-Clause)", "MIT OR (Apache-2.0 AND BSD-3-Clause)"],
    ["MIT OR Apache-2.0 AND BSD-3-Clause", "MIT OR (Apache-2.0 AND BSD-3-Clause)"],
    ["(MIT OR Apache-2.0) AND BSD-3-Clause", "(MIT OR Apache-2.0) AND BSD-3-Clause"],
    ["gpl-2.0-or-later with classpath-exception-2.0", "GPL-2.0-or-later WITH Classpath-exception-2.0"],
    ["LicenseRef-acme-eula OR MIT", "LicenseRef-acme-eula OR MIT"],
  ];
  for (const [input, want] of cases) assert.equal(licenseExpression(input), want, input);
});

test("anything else is a name, kept as written", () => {
  for (const name of ["GPL-2+", "BSD", "public-domain", "Artistic or GPL", "MIT AND", "DocumentRef-other:LicenseRef-x", "see LICENSE"]) {
    assert.deepEqual(classifyLicense(name), { kind: "name", name }, name);
  }
});

test("classifyLicense tells a bare list id from compound expressions and LicenseRefs", () => {
  const single = classifyLicense("MIT");
  assert.ok(single.kind === "expression" && single.singleId);
  for (const s of ["GPL-2.0+", "MIT OR ISC", "GPL-2.0-only WITH Classpath-exception-2.0", "LicenseRef-x"]) {
    const l = classifyLicense(s);
    assert.ok(l.kind === "expression" && !l.singleId, s);
  }
  const refs = classifyLicense("LicenseRef-a AND (MIT OR LicenseRef-b)");
  assert.ok(refs.kind === "expression");
  assert.deepEqual(refs.licenseRefs, ["LicenseRef-a", "LicenseRef-b"]);
});

test("licenseRefFor is stable, valid, and keeps names that differ apart", () => {
  assert.equal(licenseRefFor("public-domain"), "LicenseRef-public-domain");
  assert.equal(licenseRefFor("GPL-2+"), licenseRefFor("GPL-2+"));
  assert.notEqual(licenseRefFor("GPL 2"), licenseRefFor("GPL-2"));
  assert.notEqual(licenseRefFor("GPL-2+"), licenseRefFor("GPL-2"));
  for (const name of ["GPL-2+", "Artistic or GPL", "☃", "(c) ACME"]) {
    assert.match(licenseRefFor(name), /^LicenseRef-[A-Za-z0-9.-]+$/, name);
  }
});
