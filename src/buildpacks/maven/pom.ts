// What the Maven buildpack reads from pom.xml at detect: the Java version the app compiles for.
import { XMLParser } from "fast-xml-parser";

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

/**
 * The Java version a POM declares: `maven.compiler.release`, else `maven.compiler.source`, else
 * `java.version` (Spring Boot's parent uses it), one `${property}` level resolved; undefined when
 * it declares none or the text is not XML (Maven then reports the POM itself).
 */
export function pomJavaVersion(xml: string): { version: string; source: string } | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const props = ((doc["project"] as Record<string, unknown> | undefined)?.["properties"] ?? {}) as Record<string, unknown>;
  const get = (k: string): string | undefined => {
    const v = props[k];
    if (typeof v !== "string" && typeof v !== "number") return undefined;
    const t = String(v).trim();
    const ref = /^\$\{(.+)\}$/.exec(t);
    if (ref) {
      const r = props[ref[1]!];
      return typeof r === "string" || typeof r === "number" ? String(r).trim() : undefined;
    }
    return t || undefined;
  };
  for (const k of ["maven.compiler.release", "maven.compiler.source", "java.version"]) {
    const v = get(k);
    if (v) return { version: v, source: `pom.xml ${k}` };
  }
  return undefined;
}
