// The Composer packages of composer.lock (`packages` and `packages-dev`, as installed) as SBOM
// components: purl pkg:composer/<vendor>/<name>@<version>, licenses, the dist's shasum (SHA-1)
// when the lock has one, the source reference as a property.
import { reproducibleDate } from "../../oci/index.js";
import { purl, type SbomDocument } from "../../sbom/index.js";
import { PhpError } from "../php-common/errors.js";

interface LockPackage {
  name?: unknown;
  version?: unknown;
  license?: unknown;
  description?: unknown;
  dist?: { shasum?: unknown; type?: unknown };
  source?: { reference?: unknown };
}

export function composerSbom(lockText: string, tool: { name: string; version: string }, sourceDateEpoch: string | undefined): SbomDocument {
  let lock: { packages?: LockPackage[]; "packages-dev"?: LockPackage[] };
  try {
    lock = JSON.parse(lockText) as typeof lock;
  } catch (e) {
    throw new PhpError("PHP_COMPOSER", `composer.lock is not valid JSON: ${(e as Error).message}`, { hint: "run `composer update --lock` to write it again" });
  }
  const all = [...(lock.packages ?? []), ...(lock["packages-dev"] ?? [])];
  return {
    name: "composer-packages",
    timestamp: reproducibleDate(sourceDateEpoch),
    tool,
    components: all
      .filter((p) => typeof p.name === "string" && p.name.includes("/") && typeof p.version === "string")
      .map((p) => {
        const name = p.name as string;
        const version = p.version as string;
        const licenses = Array.isArray(p.license) ? p.license.filter((l): l is string => typeof l === "string") : [];
        const sha1 = typeof p.dist?.shasum === "string" && /^[0-9a-f]{40}$/.test(p.dist.shasum) ? p.dist.shasum : undefined;
        const ref = typeof p.source?.reference === "string" ? p.source.reference : undefined;
        return {
          type: "library" as const,
          name,
          version,
          purl: purl.composer(name, version),
          ...(licenses.length ? { licenses } : {}),
          ...(typeof p.description === "string" && p.description ? { description: p.description } : {}),
          ...(sha1 ? { hashes: [{ alg: "SHA-1" as const, content: sha1 }] } : {}),
          ...(ref ? { properties: [{ name: "paketo:composer-source-reference", value: ref }] } : {}),
        };
      }),
  };
}
