// What kind of .NET app the folder holds, from its `<name>.runtimeconfig.json` (plain reads, for
// detect): self-contained (the runtime is in the app: `includedFrameworks`), framework-dependent
// (`framework`/`frameworks`: needs the .NET runtime), or source (a project file: needs the SDK).
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";

export type DotnetApp =
  | { kind: "self-contained"; name: string; apphost: string; invariant: boolean }
  | { kind: "framework-dependent"; name: string; frameworks: string[] }
  | { kind: "source"; project: string }
  | { kind: "none" };

interface RuntimeConfig {
  runtimeOptions?: {
    includedFrameworks?: Array<{ name?: string; version?: string }>;
    framework?: { name?: string; version?: string };
    frameworks?: Array<{ name?: string; version?: string }>;
    configProperties?: Record<string, unknown>;
  };
}

export async function findApp(dir: string): Promise<DotnetApp> {
  const files = (await readdir(dir).catch(() => [] as string[])).sort();
  const rc = files.find((f) => f.endsWith(".runtimeconfig.json"));
  if (rc) {
    const name = rc.slice(0, -".runtimeconfig.json".length);
    let conf: RuntimeConfig = {};
    try {
      conf = JSON.parse(await readFile(join(dir, rc), "utf8")) as RuntimeConfig;
    } catch {
      // unreadable: treated as no runtime options
    }
    const o = conf.runtimeOptions ?? {};
    const fws = [...(o.framework ? [o.framework] : []), ...(o.frameworks ?? [])];
    if (fws.length > 0 && !o.includedFrameworks) return { kind: "framework-dependent", name, frameworks: fws.map((f) => `${f.name ?? "?"} ${f.version ?? ""}`.trim()) };
    const apphost = join(dir, name);
    const st = await stat(apphost).catch(() => undefined);
    if (st?.isFile() && (st.mode & 0o111) !== 0) {
      const inv = o.configProperties?.["System.Globalization.Invariant"];
      return { kind: "self-contained", name, apphost, invariant: inv === true || inv === "true" };
    }
    return { kind: "framework-dependent", name, frameworks: ["(no executable apphost named " + name + ")"] };
  }
  const project = files.find((f) => /\.(cs|fs|vb)proj$/.test(f));
  if (project) return { kind: "source", project };
  return { kind: "none" };
}
