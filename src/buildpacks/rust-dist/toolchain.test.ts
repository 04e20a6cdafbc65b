import assert from "node:assert/strict";
import { test } from "node:test";
import { parseToolchain } from "./toolchain.js";

test("BP_RUST_TOOLCHAIN: stable (default), versions, a rustup target suffix dropped; beta, nightly and nonsense are one clear error", () => {
  assert.deepEqual(parseToolchain(undefined), { kind: "stable" });
  assert.deepEqual(parseToolchain(" stable "), { kind: "stable" });
  assert.deepEqual(parseToolchain("stable-x86_64-unknown-linux-gnu"), { kind: "stable" });
  assert.deepEqual(parseToolchain("1.96"), { kind: "version", version: "1.96" });
  assert.deepEqual(parseToolchain("1.85.1"), { kind: "version", version: "1.85.1" });
  assert.deepEqual(parseToolchain("1.85.*"), { kind: "version", version: "1.85.*" });
  assert.throws(() => parseToolchain("nightly-2026-01-01"), { code: "RUST_TOOLCHAIN", message: /Debian packages only stable Rust releases, not nightly/ });
  assert.throws(() => parseToolchain("beta"), { code: "RUST_TOOLCHAIN" });
  assert.throws(() => parseToolchain("latest"), { code: "RUST_TOOLCHAIN", message: /not a toolchain name/ });
});
