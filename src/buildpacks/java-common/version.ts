// Java feature versions: `17`, `21.0.5`, `1.8`, `17.*` → 17.

/** The versions the jvm buildpack installs (Debian's OpenJDK packages: 17 from bookworm, 21 and 25 from trixie). */
export const JVM_VERSIONS = [17, 21, 25] as const;
export const DEFAULT_JVM_VERSION = 21;

/** The feature version a version text names, or undefined when it names none. */
export function javaFeature(text: string | undefined): number | undefined {
  const t = text?.trim().replace(/\.\*$/, "");
  if (!t) return undefined;
  const m = /^(?:1\.)?(\d+)(?:[.+].*)?$/.exec(t);
  return m ? Number(m[1]) : undefined;
}
