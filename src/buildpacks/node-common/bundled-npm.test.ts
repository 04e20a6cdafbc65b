// The npm a Node.js release ships with, from the release notes its tarball carries: literal inputs
// shaped like Node.js's CHANGELOG_V<major>.md.
import assert from "node:assert/strict";
import { test } from "node:test";
import { npmFromChangelog, npmMajorOfNode } from "./bundled-npm.js";

const NOTES = `# Node.js 24 ChangeLog

<table><tr><td><a href="#24.11.1">24.11.1</a><br/><a href="#24.11.0">24.11.0</a><br/></td></tr></table>

<a id="24.11.1"></a>

## 2025-11-11, Version 24.11.1 'Krypton' (LTS), @aduh95

* \\[[\`1a2b3c4d5e\`](https://github.com/nodejs/node/commit/1a2b3c4d5e)] - **doc**: update npm supported versions link (someone) [#1](https://github.com/nodejs/node/pull/1)

<a id="24.11.0"></a>

## 2025-10-28, Version 24.11.0 'Krypton' (LTS), @richardlau

* \\[[\`2b3c4d5e6f\`](https://github.com/nodejs/node/commit/2b3c4d5e6f)] - Revert "**deps**: upgrade npm to 11.7.0" (someone) [#3](https://github.com/nodejs/node/pull/3)
* \\[[\`3c4d5e6f70\`](https://github.com/nodejs/node/commit/3c4d5e6f70)] - **deps**: upgrade npm to 11.6.1 (npm team) [#2](https://github.com/nodejs/node/pull/2)

<a id="24.10.0"></a>

## 2025-10-08, Version 24.10.0 (Current), @RafaelGSS

* \\[[\`4d5e6f7081\`](https://github.com/nodejs/node/commit/4d5e6f7081)] - **deps**: update npm to 11.6.0 (npm team) [#4](https://github.com/nodejs/node/pull/4)

<a id="24.0.0"></a>

## 2025-05-06, Version 24.0.0 (Current), @RafaelGSS and @juanarbol
`;

test("the newest npm upgrade at or below the release's own section, reverts skipped", () => {
  assert.equal(npmFromChangelog(NOTES, "24.11.1"), "11.6.1", "a later release without an upgrade ships the earlier one's npm");
  assert.equal(npmFromChangelog(NOTES, "24.11.0"), "11.6.1");
  assert.equal(npmFromChangelog(NOTES, "24.10.0"), "11.6.0", "sections above the release do not count");
  assert.equal(npmFromChangelog(NOTES, "24.0.0"), undefined, "a line's first release names none");
  assert.equal(npmFromChangelog(NOTES, "24.12.0"), undefined, "a release the notes do not have");
  assert.equal(npmFromChangelog("", "24.11.1"), undefined);
});

test("the table names the npm major a line started with, and nothing outside it", () => {
  assert.equal(npmMajorOfNode("24.0.0"), 11);
  assert.equal(npmMajorOfNode("v20.0.0"), 9);
  assert.equal(npmMajorOfNode("26.1.0"), 11);
  assert.equal(npmMajorOfNode("14.21.3"), undefined);
  assert.equal(npmMajorOfNode("27.0.0"), undefined);
});
