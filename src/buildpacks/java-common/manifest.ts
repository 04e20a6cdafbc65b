// META-INF/MANIFEST.MF: `Name: value` lines, a continuation line starts with one space.
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export type Manifest = Readonly<Record<string, string>>;

export function parseManifest(text: string): Manifest {
  const out: Record<string, string> = {};
  let last: string | undefined;
  for (const raw of text.replace(/\r\n?/g, "\n").split("\n")) {
    if (raw.startsWith(" ") && last !== undefined) {
      out[last] += raw.slice(1);
      continue;
    }
    const i = raw.indexOf(":");
    if (i <= 0) {
      if (raw === "") last = undefined; // a blank line ends the main section
      if (raw === "" && Object.keys(out).length) break;
      continue;
    }
    last = raw.slice(0, i).trim();
    out[last] = raw.slice(i + 1).trim();
  }
  return out;
}

/** The app's exploded manifest (`<app>/META-INF/MANIFEST.MF`), or undefined. */
export async function readManifest(appDir: string): Promise<Manifest | undefined> {
  const text = await readFile(join(appDir, "META-INF", "MANIFEST.MF"), "utf8").catch(() => undefined);
  return text === undefined ? undefined : parseManifest(text);
}
