// An app without Cargo.lock: `cargo install --locked` needs one, so the build resolves it once
// with `cargo generate-lockfile` (against the registry cargo's configuration names, like every
// other cargo command here) and keeps it in a cache layer keyed on what the resolution depends on:
// every Cargo.toml of the app, the app's .cargo/config files and the toolchain. While they are
// unchanged, later builds reuse that lock, so they resolve nothing and download nothing.
import { createHash } from "node:crypto";
import { copyFile, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** Folders that hold no manifest of the app. */
const SKIP = new Set([".git", "target"]);

/** The app's files the resolution reads: each Cargo.toml at any depth, and .cargo/config(.toml) at the root. */
async function manifestFiles(appDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP.has(e.name)) await walk(join(dir, e.name), r);
      } else if (e.isFile() && (e.name === "Cargo.toml" || r === ".cargo/config.toml" || r === ".cargo/config")) out.push(r);
    }
  };
  await walk(appDir, "");
  return out.sort();
}

/**
 * The key of a generated lock: SHA-256 over each manifest's path and content and the toolchain
 * (`cargo --version`). Sources (.rs files, assets) are not part of it.
 */
export async function lockKey(appDir: string, toolchain: string): Promise<string> {
  const h = createHash("sha256");
  h.update(`toolchain\0${toolchain.trim()}\0`);
  for (const rel of await manifestFiles(appDir)) {
    const content = await readFile(join(appDir, rel));
    h.update(`${rel}\0${content.length}\0`);
    h.update(content);
  }
  return h.digest("hex");
}

/** Puts the lock kept in `layerDir` into the app. */
export async function restoreLock(layerDir: string, appDir: string): Promise<void> {
  await copyFile(join(layerDir, "Cargo.lock"), join(appDir, "Cargo.lock"));
}

/** Keeps the app's freshly generated lock in `layerDir`. */
export async function keepLock(appDir: string, layerDir: string): Promise<void> {
  await copyFile(join(appDir, "Cargo.lock"), join(layerDir, "Cargo.lock"));
}
