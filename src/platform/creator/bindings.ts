// Service bindings at build time (CNB-71, the k8s Service Binding layout): each binding is a folder
// with a `type` file, an optional `provider` file and one file per secret entry. They are copied
// into `<platform>/bindings/<name>/`, which the sandbox binds read-only, and buildpacks find them
// through SERVICE_BINDING_ROOT. The platform dir is never exported or cached, so bindings never
// reach the image or the build cache.
import { chmod, copyFile, mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { PaketoError } from "../../errors/index.js";

/** A binding name: one path component, as a k8s binding name (`[A-Za-z0-9][A-Za-z0-9._-]*`). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Largest secret file copied (bindings are small; a big file is most likely the wrong folder). */
const MAX_ENTRY = 4 * 1024 * 1024;

/** `NAME=DIR` of `--binding`, DIR resolved by the caller. */
export function parseBindingArg(arg: string): { name: string; dir: string } {
  const i = arg.indexOf("=");
  const name = i < 0 ? "" : arg.slice(0, i);
  const dir = i < 0 ? "" : arg.slice(i + 1);
  if (!NAME.test(name) || dir === "") {
    throw new PaketoError("PLATFORM_BINDING", `--binding ${JSON.stringify(arg)} is not NAME=DIR`, {
      hint: "NAME is one word (letters, digits, . _ -); DIR holds the files type, provider (optional) and one file per secret entry",
    });
  }
  return { name, dir };
}

/**
 * Copies bindings into `<bindingsDir>/<name>/`. Entries are the folder's regular files (symlinks
 * are followed, as in a mounted k8s Secret whose entries link into `..data/`); folders and `..`
 * names (the secret volume's own) are left out, while a key may start with one dot (`.htpasswd`,
 * `.dockerconfigjson`). Each binding must have a `type` file.
 */
export async function copyBindings(bindings: Readonly<Record<string, string>>, bindingsDir: string): Promise<number> {
  let n = 0;
  for (const [name, dir] of Object.entries(bindings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const where = `binding ${name} (${dir})`;
    if (!NAME.test(name)) throw new PaketoError("PLATFORM_BINDING", `${where}: ${JSON.stringify(name)} is not a binding name (letters, digits, . _ -)`);
    const names = await readdir(dir).catch((e: unknown) => {
      throw new PaketoError("PLATFORM_BINDING", `${where}: the folder cannot be read`, { cause: e, hint: "--binding NAME=DIR names a folder" });
    });
    const dest = join(bindingsDir, name);
    await mkdir(dest, { recursive: true, mode: 0o700 });
    let hasType = false;
    for (const entry of names.sort()) {
      if (entry.startsWith("..")) continue;
      const src = join(dir, entry);
      const s = await stat(src).catch(() => undefined);
      if (!s?.isFile()) continue;
      if (s.size > MAX_ENTRY) throw new PaketoError("PLATFORM_BINDING", `${where}: ${entry} is ${s.size} bytes; a binding entry may have at most ${MAX_ENTRY}`);
      await copyFile(src, join(dest, entry));
      // Read-only, and for this user alone: in the sandbox this user is the build user (its owner).
      await chmod(join(dest, entry), 0o400);
      if (entry === "type") hasType = true;
    }
    if (!hasType) {
      throw new PaketoError("PLATFORM_BINDING", `${where}: there is no type file`, {
        hint: "a service binding folder holds `type` (e.g. ca-certificates), optionally `provider`, and one file per entry",
      });
    }
    n++;
  }
  return n;
}
