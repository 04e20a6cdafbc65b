import { type Digest, parseDigest } from "../digest.js";
import { OciError } from "../errors.js";

/**
 * Image references in the docker grammar: `[HOST[:PORT]/]PATH[:TAG][@DIGEST]`.
 *
 * The first path component is a registry host when it contains `.` or `:`, is `localhost`, or
 * has an uppercase letter; otherwise the registry is docker.io and a single-component name gets
 * the `library/` prefix. A reference with neither tag nor digest means `:latest`.
 */

/** The docker.io aliases that name Docker Hub; all normalise to `docker.io`. */
export const DOCKER_HUB = "docker.io";
const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** A repository on a registry: `registry/repository`, no tag or digest. */
export interface Repository {
  /** host[:port]; `docker.io` for Docker Hub. */
  readonly registry: string;
  /** The path, e.g. `library/node` or `acme/app`. */
  readonly repository: string;
  /** `registry/repository`. */
  toString(): string;
}

/** A parsed image reference. A reference with neither tag nor digest has tag `latest`. */
export interface Reference extends Repository {
  readonly tag?: string;
  readonly digest?: Digest;
  /** What to ask the registry for: the digest when there is one, else the tag. */
  identifier(): string;
  /** The repository this reference points into. */
  context(): Repository;
  /** The same repository with another tag (and no digest). */
  withTag(tag: string): Reference;
  /** The same repository pinned to a digest (keeping the tag for display). */
  withDigest(digest: Digest): Reference;
  /** `registry/repository[:tag][@digest]`, always fully qualified. */
  toString(): string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_LABEL = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(`^(?:${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*|\\[[a-fA-F0-9:.]+\\])(?::[0-9]{1,5})?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const MAX_NAME = 255;

function invalid(input: string, why: string): OciError {
  return new OciError("OCI_INVALID_REFERENCE", `invalid image reference ${JSON.stringify(input)}: ${why}`, {
    hint: "write it as [HOST[:PORT]/]NAME[:TAG][@sha256:DIGEST], with a lowercase NAME (e.g. 127.0.0.1:5000/team/app:1.0)",
  });
}

/** `index.docker.io` and `registry-1.docker.io` are `docker.io`; other hosts stay as written. */
export function normaliseRegistry(host: string): string {
  return DOCKER_HUB_ALIASES.has(host.toLowerCase()) ? DOCKER_HUB : host;
}

function splitDomain(name: string): { registry: string; path: string } {
  const i = name.indexOf("/");
  const first = i < 0 ? "" : name.slice(0, i);
  if (i < 0 || (!/[.:]/.test(first) && first !== "localhost" && first.toLowerCase() === first)) {
    return { registry: DOCKER_HUB, path: name };
  }
  return { registry: first, path: name.slice(i + 1) };
}

function checkRepository(input: string, registry: string, path: string): string {
  if (path === "") throw invalid(input, "the repository name is empty");
  for (const c of path.split("/")) {
    if (!PATH_COMPONENT.test(c)) {
      const why = c.toLowerCase() !== c && PATH_COMPONENT.test(c.toLowerCase())
        ? "repository names must be lowercase"
        : `${JSON.stringify(c)} is not a valid repository path component (lowercase letters, digits and . _ __ - separators)`;
      throw invalid(input, why);
    }
  }
  let repository = path;
  if (registry === DOCKER_HUB && !path.includes("/")) repository = `library/${path}`;
  if (registry.length + 1 + repository.length > MAX_NAME) throw invalid(input, `the name is longer than ${MAX_NAME} characters`);
  return repository;
}

function makeRepository(registry: string, repository: string): Repository {
  return Object.freeze({ registry, repository, toString: () => `${registry}/${repository}` });
}

function makeReference(registry: string, repository: string, tag: string | undefined, digest: Digest | undefined): Reference {
  const ref: Reference = {
    registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
    identifier: () => digest ?? tag ?? "latest",
    context: () => makeRepository(registry, repository),
    withTag: (t: string) => {
      if (!TAG.test(t)) throw invalid(`${registry}/${repository}:${t}`, `${JSON.stringify(t)} is not a valid tag`);
      return makeReference(registry, repository, t, undefined);
    },
    withDigest: (d: Digest) => makeReference(registry, repository, tag, d),
    toString: () => `${registry}/${repository}${tag !== undefined ? `:${tag}` : ""}${digest !== undefined ? `@${digest}` : ""}`,
  };
  return Object.freeze(ref);
}

/** Parses `HOST/REPO[:TAG][@DIGEST]`; throws OCI_INVALID_REFERENCE naming the input. */
export function parseReference(s: string): Reference {
  const input = s;
  if (s.trim() !== s || s === "") throw invalid(input, s === "" ? "it is empty" : "it has leading or trailing spaces");
  if (s.includes("://")) throw invalid(input, "write the reference without a URL scheme");
  let rest = s;
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    const d = rest.slice(at + 1);
    try {
      digest = parseDigest(d);
    } catch {
      throw invalid(input, `${JSON.stringify(d)} is not a valid digest (sha256: followed by 64 lowercase hex characters)`);
    }
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(input, `${JSON.stringify(tag)} is not a valid tag (letters, digits, _ . -; at most 128)`);
  }
  const { registry: host, path } = splitDomain(rest);
  if (!DOMAIN.test(host)) throw invalid(input, `${JSON.stringify(host)} is not a valid registry host`);
  const registry = normaliseRegistry(host);
  const repository = checkRepository(input, registry, path);
  if (tag === undefined && digest === undefined) tag = "latest";
  return makeReference(registry, repository, tag, digest);
}

/** Parses `HOST/REPO` (no tag or digest). */
export function parseRepository(s: string): Repository {
  if (/[@]/.test(s) || s.lastIndexOf(":") > s.lastIndexOf("/")) {
    throw invalid(s, "a repository has no tag or digest");
  }
  const r = parseReference(s);
  return r.context();
}

/** Is `s` a valid tag? */
export function isValidTag(s: string): boolean {
  return TAG.test(s);
}
