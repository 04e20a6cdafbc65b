import { OciError } from "./errors.js";

/** An OCI platform: what an image in an index runs on. */
export interface Platform {
  architecture: string;
  os: string;
  "os.version"?: string;
  "os.features"?: string[];
  variant?: string;
}

/** `linux/amd64`, `linux/arm64/v8` … */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

export function parsePlatform(s: string): Platform {
  const [os = "linux", architecture = "amd64", variant] = s.split("/");
  return variant ? { os, architecture, variant } : { os, architecture };
}

/**
 * A `--platform` value: `linux/amd64,linux/arm64` (or repeated), each `os/arch[/variant]`, in the
 * order given, without duplicates. `what` names the option for the error.
 */
export function parsePlatformList(values: string | readonly string[], what = "--platform"): Platform[] {
  const out: Platform[] = [];
  for (const item of (typeof values === "string" ? [values] : values).flatMap((v) => v.split(","))) {
    const s = item.trim();
    const parts = s.split("/");
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) {
      throw new OciError("OCI_INVALID_PLATFORM", `${what}: ${JSON.stringify(s)} is not a platform`, { hint: "write os/arch[/variant], e.g. linux/amd64,linux/arm64" });
    }
    const p = parsePlatform(s);
    if (!out.some((q) => formatPlatform(q) === formatPlatform(p))) out.push(p);
  }
  if (out.length === 0) throw new OciError("OCI_INVALID_PLATFORM", `${what} names no platform`, { hint: "write os/arch[/variant], e.g. linux/amd64,linux/arm64" });
  return out;
}

/** Node's process.arch in OCI's vocabulary. */
export function ociArchitecture(nodeArch: string): string {
  switch (nodeArch) {
    case "x64":
      return "amd64";
    case "ia32":
      return "386";
    default:
      return nodeArch;
  }
}

/** Does a candidate platform satisfy the wanted one? Unset fields in `want` match anything. */
export function platformMatches(want: Platform, have: Platform | undefined): boolean {
  if (!have) return false;
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  if (want.variant && have.variant && want.variant !== have.variant) return false;
  return true;
}
