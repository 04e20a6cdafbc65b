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
