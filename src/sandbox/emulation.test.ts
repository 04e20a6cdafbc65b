// What checkEmulation reads (binfmt_misc entries) and the error it gives for each missing piece.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../testing/index.js";
import { checkEmulation, SandboxError } from "./index.js";

// As Debian's qemu-user-static registers aarch64 (update-binfmts --enable qemu-aarch64).
const AARCH64 = (state: string, flags: string) =>
  `${state}\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: ${flags}\noffset 0\n` +
  "magic 7f454c460201010000000000000000000200b700\nmask ffffffffffffff00fffffffffffffffffeffffff\n";

const tmp = tempDir("binfmt-");
after(tmp.cleanup);

function binfmt(entries: Record<string, string>): string {
  const dir = join(mkdtempSync(join(tmp.path, "x")), "binfmt_misc");
  mkdirSync(dir);
  writeFileSync(join(dir, "status"), "enabled\n");
  writeFileSync(join(dir, "register"), "");
  for (const [n, t] of Object.entries(entries)) writeFileSync(join(dir, n), t);
  return dir;
}

async function refusal(arch: string, dir: string): Promise<SandboxError> {
  const e = await checkEmulation(arch, { binfmtDir: dir, hostArch: "amd64" }).then(() => undefined, (x: unknown) => x);
  assert.ok(e instanceof SandboxError, `expected a SandboxError, got ${String(e)}`);
  assert.equal(e.code, "SANDBOX_EMULATION");
  return e;
}

test("the host's own architecture needs no emulation", async () => {
  assert.equal(await checkEmulation("amd64", { binfmtDir: "/nonexistent", hostArch: "amd64" }), "native");
});

test("an enabled qemu-aarch64 entry with the F flag makes arm64 runnable", async () => {
  const dir = binfmt({ "python3.11": "enabled\ninterpreter /usr/bin/python3.11\nflags: \noffset 0\nmagic a70d0d0a\n", "qemu-aarch64": AARCH64("enabled", "PF") });
  assert.equal(await checkEmulation("arm64", { binfmtDir: dir, hostArch: "amd64" }), "emulated");
});

test("each missing piece is named", async () => {
  const unmounted = await refusal("arm64", mkdtempSync(join(tmp.path, "empty")));
  assert.match(unmounted.message, /binfmt_misc is not mounted/);
  assert.match(unmounted.hint ?? "", /mount -t binfmt_misc/);

  const none = await refusal("arm64", binfmt({}));
  assert.match(none.message, /no emulator is registered for arm64.*qemu-user-static/);
  assert.match(none.hint ?? "", /update-binfmts --enable qemu-aarch64/);

  const disabled = await refusal("arm64", binfmt({ "qemu-aarch64": AARCH64("disabled", "PF") }));
  assert.match(disabled.message, /qemu-aarch64 is disabled/);

  const noFix = await refusal("arm64", binfmt({ "qemu-aarch64": AARCH64("enabled", "P") }));
  assert.match(noFix.message, /lacks the F flag/);

  // an amd64 entry does not make arm64 runnable
  const other = await refusal("arm64", binfmt({ "qemu-x86_64": AARCH64("enabled", "PF").replace("b700", "3e00") }));
  assert.match(other.message, /no emulator is registered/);

  const unknown = await refusal("s390x", binfmt({}));
  assert.match(unknown.message, /no emulation is known for s390x/);
});
