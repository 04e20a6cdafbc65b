// The code cites CNB checklist items (CNB-N) in comments and test names; every one must be
// explained in docs/cnb-conformance.md, so a reader can follow each reference from the repository.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function cited(dir: string, out = new Set<number>()): Set<number> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === "node_modules") continue;
    if (statSync(p).isDirectory()) cited(p, out);
    else for (const m of readFileSync(p, "utf8").matchAll(/CNB-(\d+)/g)) out.add(Number(m[1]));
  }
  return out;
}

test("every CNB-N the source cites has a section in docs/cnb-conformance.md", () => {
  const doc = readFileSync(join(ROOT, "docs/cnb-conformance.md"), "utf8");
  const explained = new Set([...doc.matchAll(/^### CNB-(\d+): \S/gm)].map((m) => Number(m[1])));
  const codeRefs = cited(join(ROOT, "src"));
  assert.ok(codeRefs.size > 50, `found only ${codeRefs.size} cited items: is the source tree where the test looks?`);
  const missing = [...codeRefs].filter((n) => !explained.has(n)).sort((a, b) => a - b);
  assert.deepEqual(missing, [], `cited in src/ but not explained: ${missing.map((n) => `CNB-${n}`).join(", ")}`);
});
