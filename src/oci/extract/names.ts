import { join } from "node:path";
import { OciError } from "../errors.js";

/** Longest entry name (and symlink target) accepted, in bytes: Linux PATH_MAX. */
export const MAX_NAME_BYTES = 4096;
/** Longest single path component accepted, in bytes: NAME_MAX. */
export const MAX_COMPONENT_BYTES = 255;

/**
 * A safety rule an archive entry broke. Thrown by the helpers of this module, which do not know
 * the entry's name; the extractor turns it into an OciError naming the entry and the archive.
 */
export class Refusal extends Error {
  override readonly name = "Refusal";
}

/**
 * Splits an archive entry name into the path components it names inside the target directory.
 *
 * Empty and "." components are dropped, so a leading "/" or "./" is stripped (the convention of
 * image layer tars: an absolute name is relative to the root it is unpacked into). ".." is
 * resolved lexically and refused when it would climb above the target. `[]` names the target itself.
 * Throws a Refusal for a NUL byte, an overlong name or component, or a name that leaves the target.
 */
export function splitEntryName(name: string): string[] {
  if (name.includes("\0")) throw new Refusal("name contains a NUL byte");
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new Refusal(`name is longer than ${MAX_NAME_BYTES} bytes`);
  const out: string[] = [];
  for (const c of name.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (out.length === 0) throw new Refusal("path leaves the target directory");
      out.pop();
      continue;
    }
    if (Buffer.byteLength(c) > MAX_COMPONENT_BYTES) {
      throw new Refusal(`name has a component longer than ${MAX_COMPONENT_BYTES} bytes`);
    }
    out.push(c);
  }
  return out;
}

/** The normalised relative path an entry name stands for ("" for the target itself); see splitEntryName. */
export function normalizeEntryName(name: string): string {
  return guarded(name, undefined, () => splitEntryName(name).join("/"));
}

/**
 * Joins an archive entry name onto `root`, refusing names that would leave it (zip-slip guard).
 * A leading "/" is taken relative to `root`. Purely lexical: it does not look at the filesystem,
 * so a symbolic link already inside `root` can still lead out of it. extractTar checks that too;
 * callers writing files themselves must not follow symbolic links they did not create.
 */
export function safeJoin(root: string, rel: string): string {
  return guarded(rel, undefined, () => join(root, ...splitEntryName(rel)));
}

/** What the last component of an entry name means as an OCI whiteout. */
export type WhiteoutKind =
  | { kind: "none" }
  /** `.wh..wh..opq`: hide everything lower layers put in this directory. */
  | { kind: "opaque" }
  /** `.wh.NAME`: delete NAME from lower layers. */
  | { kind: "file"; name: string }
  /** Other `.wh..wh.` names: reserved (aufs metadata such as `.wh..wh.plnk`), never extracted. */
  | { kind: "reserved" };

export const OPAQUE_WHITEOUT = ".wh..wh..opq";
export const WHITEOUT_PREFIX = ".wh.";

export function whiteoutKind(base: string): WhiteoutKind {
  if (base === OPAQUE_WHITEOUT) return { kind: "opaque" };
  if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return { kind: "reserved" };
  if (!base.startsWith(WHITEOUT_PREFIX)) return { kind: "none" };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === "" || name === "." || name === "..") {
    throw new Refusal(`whiteout names ${JSON.stringify(name)}, which is not a file name`);
  }
  return { kind: "file", name };
}

/** ` in layer sha256:…` or "". */
export function where(what: string | undefined): string {
  return what ? ` in ${what}` : "";
}

export function unsafeEntry(name: string, what: string | undefined, rule: string): OciError {
  return new OciError("OCI_UNSAFE_ARCHIVE", `unsafe archive entry ${JSON.stringify(name)}${where(what)}: ${rule}`, {
    hint: "the archive may be malicious; it was not extracted completely, so discard the target directory",
  });
}

/** Runs `f`, turning a Refusal into the OciError for entry `name`. */
export function guarded<T>(name: string, what: string | undefined, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Refusal) throw unsafeEntry(name, what, e.message);
    throw e;
  }
}
