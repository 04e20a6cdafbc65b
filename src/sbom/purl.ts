// Package URLs (purl) as the purl specification defines them: canonical form, encoding and the
// type-specific normalisation of the types we produce. `formatPurl(parsePurl(s))` is canonical.
import { SbomError } from "./errors.js";

/** The seven components of a package URL, decoded. */
export interface PackageUrl {
  type: string;
  /** Segments joined with "/" (e.g. "github.com/gorilla", "@angular"). */
  namespace?: string;
  name: string;
  version?: string;
  qualifiers?: Readonly<Record<string, string>>;
  /** Segments joined with "/". */
  subpath?: string;
}

// The spec's "allowed set" (alphanumerics and `.-_~`) plus the colon, which is never encoded.
const KEEP = /^[A-Za-z0-9.\-_~:]$/;
const TYPE = /^[a-z][a-z0-9.-]*$/;
const QUALIFIER_KEY = /^[a-z][a-z0-9._-]*$/;
const UTF8 = new TextEncoder();

/** Percent-encodes one component as the spec says: UTF-8, every octet outside the allowed set. */
export function encodePurlComponent(s: string): string {
  let out = "";
  for (const ch of s) {
    if (KEEP.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of UTF8.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function decode(s: string, input: string): string {
  try {
    return decodeURIComponent(s);
  } catch (cause) {
    throw new SbomError("PURL_INVALID", `bad percent-encoding in package URL ${JSON.stringify(input)}`, { cause });
  }
}

function segments(s: string | undefined): string[] {
  return (s ?? "").split("/").filter((seg) => seg !== "");
}

/** The type-specific rules of the purl types that have them (lowercasing, PyPI name folding). */
function normalise(p: PackageUrl): PackageUrl {
  const type = p.type.toLowerCase();
  let namespace = p.namespace;
  let name = p.name;
  switch (type) {
    case "deb":
    case "npm":
    case "apk":
    case "alpm":
      namespace = namespace?.toLowerCase();
      name = name.toLowerCase();
      break;
    case "pypi":
      name = name.toLowerCase().replace(/[-_.]+/g, "-");
      break;
    // golang: the type definition says "lowercase", but Go module paths are case-sensitive
    // (github.com/Azure/... is not github.com/azure/...); the spec's own golang tests never fold
    // case and neither do the SBOM tools that consumers compare with, so we keep it.
  }
  return { ...p, type, namespace, name };
}

/** The canonical string form of a package URL. Throws PURL_INVALID for an impossible one. */
export function formatPurl(input: PackageUrl): string {
  const p = normalise(input);
  const what = `package URL for ${JSON.stringify(input.name)}`;
  if (!TYPE.test(p.type)) {
    throw new SbomError("PURL_INVALID", `${what}: type ${JSON.stringify(input.type)} is not a purl type`, {
      hint: "a type starts with a letter and has only letters, digits, '.' and '-'",
    });
  }
  const name = p.name.replace(/^\/+|\/+$/g, "");
  if (name === "") throw new SbomError("PURL_INVALID", `${what}: the name is empty`);
  let out = `pkg:${p.type}/`;
  const ns = segments(p.namespace);
  if (ns.length > 0) out += `${ns.map(encodePurlComponent).join("/")}/`;
  out += encodePurlComponent(name);
  if (p.version !== undefined && p.version !== "") out += `@${encodePurlComponent(p.version)}`;
  const pairs: Array<[string, string]> = [];
  for (const [rawKey, value] of Object.entries(p.qualifiers ?? {})) {
    const key = rawKey.toLowerCase();
    if (!QUALIFIER_KEY.test(key)) {
      throw new SbomError("PURL_INVALID", `${what}: qualifier key ${JSON.stringify(rawKey)} is not allowed`, {
        hint: "a qualifier key starts with a letter and has only letters, digits, '.', '-' and '_'",
      });
    }
    if (value === "") continue; // the spec: an empty value is the same as no pair
    if (pairs.some(([k]) => k === key)) {
      throw new SbomError("PURL_INVALID", `${what}: qualifier ${JSON.stringify(key)} is given twice`);
    }
    pairs.push([key, value]);
  }
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (pairs.length > 0) out += `?${pairs.map(([k, v]) => `${k}=${encodePurlComponent(v)}`).join("&")}`;
  const sub = segments(p.subpath).filter((seg) => seg !== "." && seg !== "..");
  if (sub.length > 0) out += `#${sub.map(encodePurlComponent).join("/")}`;
  return out;
}

/** Reads a package URL into its decoded components (no normalisation: `formatPurl` applies it). */
export function parsePurl(input: string): PackageUrl {
  const bad = (why: string): SbomError =>
    new SbomError("PURL_INVALID", `${JSON.stringify(input)} is not a package URL: ${why}`);
  let rest = input.trim();
  let subpath: string | undefined;
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    subpath = segments(rest.slice(hash + 1))
      .map((s) => decode(s, input))
      .join("/");
    rest = rest.slice(0, hash);
  }
  let qualifiers: Record<string, string> | undefined;
  const q = rest.indexOf("?");
  if (q >= 0) {
    qualifiers = {};
    for (const pair of rest.slice(q + 1).split("&")) {
      if (pair === "") continue;
      const eq = pair.indexOf("=");
      if (eq <= 0) throw bad(`qualifier ${JSON.stringify(pair)} has no key=value`);
      const key = pair.slice(0, eq).toLowerCase();
      if (key in qualifiers) throw bad(`qualifier ${JSON.stringify(key)} is given twice`);
      const value = decode(pair.slice(eq + 1), input);
      if (value !== "") qualifiers[key] = value;
    }
    rest = rest.slice(0, q);
  }
  const colon = rest.indexOf(":");
  if (colon < 0 || rest.slice(0, colon).toLowerCase() !== "pkg") throw bad('it does not start with "pkg:"');
  rest = rest.slice(colon + 1).replace(/^\/+/, "");
  const slash = rest.indexOf("/");
  if (slash <= 0) throw bad("it has no type/name");
  const type = rest.slice(0, slash).toLowerCase();
  if (!TYPE.test(type)) throw bad(`type ${JSON.stringify(type)} is not a purl type`);
  const path = segments(rest.slice(slash + 1));
  let last = path.pop();
  if (last === undefined) throw bad("it has no name");
  let version: string | undefined;
  const at = last.indexOf("@");
  if (at >= 0) {
    version = decode(last.slice(at + 1), input);
    last = last.slice(0, at);
  }
  const name = decode(last, input);
  if (name === "") throw bad("the name is empty");
  const namespace = path.map((s) => decode(s, input)).join("/");
  const out: PackageUrl = { type, name };
  if (namespace !== "") out.namespace = namespace;
  if (version !== undefined && version !== "") out.version = version;
  if (qualifiers !== undefined && Object.keys(qualifiers).length > 0) out.qualifiers = qualifiers;
  if (subpath !== undefined && subpath !== "") out.subpath = subpath;
  return out;
}

/** The canonical form of a purl string: sorted qualifiers, spec encoding, type normalisation. */
export function canonicalPurl(s: string): string {
  return formatPurl(parsePurl(s));
}

type Qualifiers = Readonly<Record<string, string | undefined>>;

function defined(q: Qualifiers | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/** Builders for the purl types paketo produces. Each returns a canonical purl string. */
export const purl = {
  /** `pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12` (vendor defaults to "debian"). */
  deb(
    name: string,
    version: string,
    opts: { arch?: string; distro?: string; vendor?: string; repositoryUrl?: string; qualifiers?: Qualifiers } = {},
  ): string {
    return formatPurl({
      type: "deb",
      namespace: opts.vendor ?? "debian",
      name,
      version,
      qualifiers: defined({ ...opts.qualifiers, arch: opts.arch, distro: opts.distro, repository_url: opts.repositoryUrl }),
    });
  },

  /** `pkg:npm/%40types/node@20.1.0` from the package.json name (`@scope/name` or `name`). */
  npm(name: string, version?: string, opts: { qualifiers?: Qualifiers } = {}): string {
    let namespace: string | undefined;
    let local = name;
    if (name.startsWith("@")) {
      const slash = name.indexOf("/");
      if (slash < 2 || slash === name.length - 1) {
        throw new SbomError("PURL_INVALID", `npm package name ${JSON.stringify(name)} is not "@scope/name"`);
      }
      namespace = name.slice(0, slash);
      local = name.slice(slash + 1);
    }
    return formatPurl({ type: "npm", namespace, name: local, version, qualifiers: defined(opts.qualifiers) });
  },

  /** `pkg:golang/github.com/gorilla/context@v1.1.1` from a module path; `subpath` names a package in it. */
  golang(modulePath: string, version?: string, opts: { subpath?: string; qualifiers?: Qualifiers } = {}): string {
    const parts = segments(modulePath);
    const name = parts.pop();
    if (name === undefined || parts.length === 0) {
      throw new SbomError("PURL_INVALID", `Go module path ${JSON.stringify(modulePath)} has no namespace`, {
        hint: 'a module path looks like "github.com/owner/repo"',
      });
    }
    return formatPurl({
      type: "golang",
      namespace: parts.join("/"),
      name,
      version,
      subpath: opts.subpath,
      qualifiers: defined(opts.qualifiers),
    });
  },

  /** `pkg:composer/vlucas/phpdotenv@v5.3.0` from a Composer package name (`vendor/name`). */
  composer(name: string, version?: string, opts: { qualifiers?: Qualifiers } = {}): string {
    const slash = name.indexOf("/");
    if (slash < 1 || slash === name.length - 1 || name.indexOf("/", slash + 1) !== -1) {
      throw new SbomError("PURL_INVALID", `Composer package name ${JSON.stringify(name)} is not "vendor/name"`);
    }
    return formatPurl({ type: "composer", namespace: name.slice(0, slash).toLowerCase(), name: name.slice(slash + 1).toLowerCase(), version, qualifiers: defined(opts.qualifiers) });
  },

  /** `pkg:cargo/serde@1.0.200` (a crate of a Rust registry). */
  cargo(name: string, version?: string, opts: { qualifiers?: Qualifiers } = {}): string {
    return formatPurl({ type: "cargo", name, version, qualifiers: defined(opts.qualifiers) });
  },

  /** `pkg:gem/rack@3.1.20` (a Ruby gem). */
  gem(name: string, version?: string, opts: { platform?: string; qualifiers?: Qualifiers } = {}): string {
    return formatPurl({ type: "gem", name, version, qualifiers: defined({ ...opts.qualifiers, platform: opts.platform }) });
  },

  /** `pkg:pypi/django-allauth@0.61.1` (the name is folded as PEP 503 says). */
  pypi(name: string, version?: string, opts: { fileName?: string; qualifiers?: Qualifiers } = {}): string {
    return formatPurl({
      type: "pypi",
      name,
      version,
      qualifiers: defined({ ...opts.qualifiers, file_name: opts.fileName }),
    });
  },

  /** `pkg:maven/org.apache.commons/commons-lang3@3.14.0` from `group:artifact` coordinates. */
  maven(
    coordinates: string,
    version?: string,
    opts: { classifier?: string; type?: string; repositoryUrl?: string; qualifiers?: Qualifiers } = {},
  ): string {
    const [group, artifact, ...more] = coordinates.split(":");
    if (!group || !artifact || more.length > 0) {
      throw new SbomError("PURL_INVALID", `Maven coordinates ${JSON.stringify(coordinates)} are not "group:artifact"`);
    }
    return formatPurl({
      type: "maven",
      namespace: group,
      name: artifact,
      version,
      qualifiers: defined({
        ...opts.qualifiers,
        classifier: opts.classifier,
        type: opts.type,
        repository_url: opts.repositoryUrl,
      }),
    });
  },

  /** `pkg:generic/openssl@3.0.13?download_url=...&checksum=sha256:...` for anything without a type. */
  generic(
    name: string,
    version?: string,
    opts: { namespace?: string; downloadUrl?: string; checksum?: string; qualifiers?: Qualifiers } = {},
  ): string {
    return formatPurl({
      type: "generic",
      namespace: opts.namespace,
      name,
      version,
      qualifiers: defined({ ...opts.qualifiers, download_url: opts.downloadUrl, checksum: opts.checksum }),
    });
  },

  format: formatPurl,
  parse: parsePurl,
  canonical: canonicalPurl,
} as const;
