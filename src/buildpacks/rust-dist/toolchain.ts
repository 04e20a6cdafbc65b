// BP_RUST_TOOLCHAIN mapped to Debian's Rust packages. rustup's channels and versions have no
// download here; Debian packages two Rust toolchains per release (rustc-web/cargo-web, newer,
// and rustc/cargo) and backports a newer rustc-web. Pure.
import { RustError } from "../rust-common/errors.js";

export type Toolchain = { kind: "stable" } | { kind: "version"; version: string };

/** `stable`, `1.96`, `1.96.0` (a trailing `-<target triple>` is dropped, as rustup names toolchains). */
export function parseToolchain(value: string | undefined): Toolchain {
  const v = (value ?? "").trim().replace(/-(x86_64|aarch64)-unknown-linux-(gnu|musl)$/, "");
  if (v === "" || v === "stable") return { kind: "stable" };
  if (/^\d+\.\d+(\.\d+)?$/.test(v) || /^\d+\.\d+\.\*$/.test(v)) return { kind: "version", version: v };
  if (/^(beta|nightly)/.test(v)) {
    throw new RustError("RUST_TOOLCHAIN", `BP_RUST_TOOLCHAIN=${value}: Debian packages only stable Rust releases, not ${v.split("-")[0]}`, {
      hint: "give stable or a stable version such as 1.96",
    });
  }
  throw new RustError("RUST_TOOLCHAIN", `BP_RUST_TOOLCHAIN=${value}: not a toolchain name (stable) or version (1.96, 1.96.0)`, { hint: "give stable or a version such as 1.96" });
}

/** The package pairs that may hold a toolchain, in the order they are tried. */
export const PACKAGE_PAIRS = [
  { rustc: "rustc-web", cargo: "cargo-web" },
  { rustc: "rustc", cargo: "cargo" },
] as const;
