// onPath: bubblewrap is started with an empty environment, so the runner finds its binary on
// paketo's own PATH first (paketo's image has it in a buildpack layer, not in /usr/bin).
import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../testing/index.js";
import { onPath } from "./run.js";

test("onPath: the first executable of that name on PATH; a path or an unknown name unchanged", (t) => {
  const a = tempDir();
  const b = tempDir();
  t.after(a.cleanup);
  t.after(b.cleanup);
  writeFileSync(join(a.path, "bw"), "not executable\n");
  writeFileSync(join(b.path, "bw"), "#!/bin/sh\n");
  chmodSync(join(b.path, "bw"), 0o755);
  assert.equal(onPath("bw", `${a.path}::${b.path}`), join(b.path, "bw"));
  assert.equal(onPath("bw", a.path), "bw");
  assert.equal(onPath("./bw", b.path), "./bw");
  assert.equal(onPath("/usr/bin/bwrap", b.path), "/usr/bin/bwrap");
});
