import type { Digest } from "../digest.js";
import { DOCKER_HUB, parseReference } from "../ref/index.js";

/**
 * A name as the store records it: the short ("familiar") form the docker CLI shows, always with
 * a tag. `myapp` → `myapp:latest`, `docker.io/library/node:20` → `node:20`,
 * `registry.example/foo/bar:1.0` stays as it is. One image has one spelling, so every way of
 * writing it finds the same entry.
 */
export function normalizeImageName(s: string): { name?: string; digest?: Digest } {
  const r = parseReference(s);
  let repo = `${r.registry}/${r.repository}`;
  if (r.registry === DOCKER_HUB) {
    repo = r.repository.startsWith("library/") && r.repository.split("/").length === 2 ? r.repository.slice(8) : r.repository;
  }
  const out: { name?: string; digest?: Digest } = {};
  if (r.tag !== undefined) out.name = `${repo}:${r.tag}`;
  if (r.digest !== undefined) out.digest = r.digest;
  return out;
}

/** The normalised `NAME:TAG` form of a tagged name, or `undefined` for one that is not. */
export function tagName(s: string): string | undefined {
  try {
    return normalizeImageName(s).name;
  } catch {
    return undefined;
  }
}
