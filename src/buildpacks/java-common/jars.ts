// The app's JARs as SBOM components: each JAR under the app dir, named by the
// META-INF/maven/<group>/<artifact>/pom.properties it carries (a purl `pkg:maven/...`), else by
// its file name; always with its SHA-256.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import yauzl from "yauzl";
import { purl, type Component } from "../../sbom/index.js";

/** `pom.properties` of a JAR (its first one), as key → value, or undefined. */
export function jarPomProperties(file: string): Promise<Record<string, string> | undefined> {
  return new Promise((resolve) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, zip) => {
      if (err || !zip) return resolve(undefined);
      zip.on("entry", (e: yauzl.Entry) => {
        if (!/^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(e.fileName)) return zip.readEntry();
        zip.openReadStream(e, (err2, s) => {
          if (err2 || !s) return resolve(undefined);
          let text = "";
          s.on("data", (c: Buffer) => (text += c.toString("utf8")));
          s.on("end", () => {
            zip.close();
            const props: Record<string, string> = {};
            for (const line of text.split(/\r?\n/)) {
              const m = /^\s*([\w.-]+)\s*[=:]\s*(.*)$/.exec(line);
              if (m && !line.trimStart().startsWith("#")) props[m[1]!] = m[2]!.trim();
            }
            resolve(props);
          });
          s.on("error", () => resolve(undefined));
        });
      });
      zip.on("end", () => resolve(undefined));
      zip.on("error", () => resolve(undefined));
      zip.readEntry();
    });
  });
}

async function sha256(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest("hex");
}

async function findJars(dir: string, depth = 0): Promise<string[]> {
  if (depth > 8) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await findJars(p, depth + 1)));
    else if (e.isFile() && e.name.endsWith(".jar")) out.push(p);
  }
  return out.sort();
}

/** One component per JAR under `appDir`. */
export async function jarComponents(appDir: string): Promise<Component[]> {
  const out: Component[] = [];
  for (const jar of await findJars(appDir)) {
    const props = await jarPomProperties(jar);
    const hash = await sha256(jar);
    const where = { name: "paketo:path", value: relative(appDir, jar) };
    if (props?.groupId && props.artifactId && props.version) {
      out.push({ type: "library", name: props.artifactId, version: props.version, purl: purl.maven(`${props.groupId}:${props.artifactId}`, props.version), hashes: [{ alg: "SHA-256", content: hash }], properties: [where] });
    } else {
      out.push({ type: "library", name: basename(jar, ".jar"), hashes: [{ alg: "SHA-256", content: hash }], properties: [where] });
    }
  }
  return out;
}
