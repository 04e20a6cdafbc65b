import { OciError } from "../errors.js";

/**
 * An image location in containers/image syntax, as skopeo and podman write it. Parsed once at the
 * edge; the rest of the code never looks at the string again.
 */
export type ImageName =
  | { transport: "store"; name: string }
  | { transport: "oci"; dir: string; tag?: string }
  | { transport: "oci-archive"; file: string; tag?: string }
  | { transport: "docker-archive"; file: string; ref?: string }
  | { transport: "docker"; ref: string };

const UNSUPPORTED = ["containers-storage", "docker-daemon", "dir", "ostree", "sif", "tarball"];

/** Splits `PATH[:REST]` at the first colon, as containers/image does for path-based transports. */
function splitPath(rest: string): [string, string | undefined] {
  const i = rest.indexOf(":");
  return i < 0 ? [rest, undefined] : [rest.slice(0, i), rest.slice(i + 1)];
}

/** The prefixes that name a transport; a name without one is a store name (CLI) or a registry reference (CNB files). */
const PREFIXES = ["docker://", "oci:", "oci-archive:", "docker-archive:", "store:"] as const;

/** Whether `s` starts with a transport prefix (`docker://`, `oci:`, `oci-archive:`, `docker-archive:`, `store:`). */
export function hasTransport(s: string): boolean {
  return PREFIXES.some((p) => s.startsWith(p));
}

/**
 * A name as CNB files write it (run.toml, builder metadata, image labels): a bare name is a
 * registry reference, as every CNB tool reads it; anything else names its transport.
 */
export function parseCnbImageName(s: string): ImageName {
  return hasTransport(s) ? parseImageName(s) : { transport: "docker", ref: s };
}

/**
 * The inverse of parseCnbImageName: a registry reference bare, a store name `store:NAME`, the
 * rest in transport syntax. The CLI's `NAME` (the store) becomes `store:NAME` here.
 */
export function formatCnbImageName(n: ImageName): string {
  if (n.transport === "docker") return n.ref;
  if (n.transport === "store") return `store:${n.name}`;
  return formatImageName(n);
}

export function parseImageName(s: string): ImageName {
  const bad = (why: string, hint?: string) =>
    new OciError("OCI_INVALID_REFERENCE", `invalid image name ${JSON.stringify(s)}: ${why}`, hint ? { hint } : {});
  if (s.startsWith("docker://")) {
    const ref = s.slice("docker://".length);
    if (!ref) throw bad("no registry reference after docker://", "write docker://HOST/REPO[:TAG|@DIGEST]");
    return { transport: "docker", ref };
  }
  for (const t of ["oci", "oci-archive"] as const) {
    if (s.startsWith(`${t}:`)) {
      const [path, tag] = splitPath(s.slice(t.length + 1));
      if (!path) throw bad(`no path after ${t}:`, `write ${t}:PATH[:TAG]`);
      if (tag === "") throw bad("empty tag after the path");
      return t === "oci"
        ? { transport: "oci", dir: path, ...(tag ? { tag } : {}) }
        : { transport: "oci-archive", file: path, ...(tag ? { tag } : {}) };
    }
  }
  if (s.startsWith("docker-archive:")) {
    const [file, ref] = splitPath(s.slice("docker-archive:".length));
    if (!file) throw bad("no file after docker-archive:", "write docker-archive:FILE[:NAME:TAG]");
    return { transport: "docker-archive", file, ...(ref ? { ref } : {}) };
  }
  // An explicit `store:NAME`, for places where a bare name means a registry (CNB labels, run.toml).
  if (s.startsWith("store:")) {
    const name = s.slice("store:".length);
    if (!name) throw bad("no name after store:", "write store:NAME[:TAG]");
    return { transport: "store", name };
  }
  const colon = s.indexOf(":");
  if (colon > 0 && UNSUPPORTED.includes(s.slice(0, colon))) {
    throw bad(`the ${s.slice(0, colon)} transport is not supported`, "use oci:, oci-archive:, docker-archive:, docker:// or a local store name");
  }
  if (!s) throw bad("empty name");
  return { transport: "store", name: s };
}

export function formatImageName(n: ImageName): string {
  switch (n.transport) {
    case "store":
      return n.name;
    case "oci":
      return `oci:${n.dir}${n.tag ? `:${n.tag}` : ""}`;
    case "oci-archive":
      return `oci-archive:${n.file}${n.tag ? `:${n.tag}` : ""}`;
    case "docker-archive":
      return `docker-archive:${n.file}${n.ref ? `:${n.ref}` : ""}`;
    case "docker":
      return `docker://${n.ref}`;
  }
}
