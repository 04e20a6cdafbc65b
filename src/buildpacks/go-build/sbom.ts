// The targets layer's SBOM, from each binary's build info as `go version -m` prints it: the main
// module (the subject), every module it was built with (`dep`, or its `=>` replacement) and the
// standard library of the Go it was built with, as `pkg:golang/...` purls (`pkg:golang/stdlib@1.26.11`
// with Go's CPE: how scanners match Go advisories against binaries).
import { reproducibleDate } from "../../oci/index.js";
import { formatPurl, type Component, type SbomDocument } from "../../sbom/index.js";

export interface BuildInfoModule {
  path: string;
  version: string;
  /** The go.sum hash the build recorded (absent for vendored builds). */
  sum: string | undefined;
  /** The module this one replaced (`=>` lines). */
  replaces?: { path: string; version: string };
}

export interface BuildInfo {
  /** The binary's path, as go version -m printed it. */
  binary: string;
  /** `1.26.11` (without `go`). */
  goVersion: string;
  /** The main package's import path (`path` line). */
  path: string | undefined;
  main: BuildInfoModule | undefined;
  deps: BuildInfoModule[];
  /** `build` lines: `-buildmode=pie`, `CGO_ENABLED=1`, ... */
  settings: Record<string, string>;
}

/** Parses `go version -m FILE...` output (one block per binary). */
export function parseBuildInfo(text: string): BuildInfo[] {
  const out: BuildInfo[] = [];
  let cur: BuildInfo | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const head = /^(.*): go(\S+)$/.exec(line);
    if (head && !line.startsWith("\t")) {
      cur = { binary: head[1]!, goVersion: head[2]!, path: undefined, main: undefined, deps: [], settings: {} };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const [kind, a = "", b = "", c] = line.replace(/^\t/, "").split("\t");
    if (kind === "path") cur.path = a;
    else if (kind === "mod") cur.main = { path: a, version: b, sum: c || undefined };
    else if (kind === "dep") cur.deps.push({ path: a, version: b, sum: c || undefined });
    else if (kind === "=>") {
      const last = cur.deps.at(-1);
      if (last) cur.deps[cur.deps.length - 1] = { path: a, version: b, sum: c || undefined, replaces: { path: last.path, version: last.version } };
    } else if (kind === "build") {
      const eq = a.indexOf("=");
      if (eq > 0) cur.settings[a.slice(0, eq)] = a.slice(eq + 1);
      else cur.settings[a] = "";
    }
  }
  return out;
}

function goPurl(path: string, version: string | undefined): string {
  const parts = path.split("/").filter(Boolean);
  const name = parts.pop() ?? path;
  return formatPurl({ type: "golang", ...(parts.length ? { namespace: parts.join("/") } : {}), name, ...(version ? { version } : {}) });
}

function moduleComponent(m: BuildInfoModule, type: "application" | "library"): Component {
  const version = m.version && m.version !== "(devel)" ? m.version : undefined;
  const props = [
    ...(m.sum ? [{ name: "paketo:go-sum", value: m.sum }] : []),
    ...(m.replaces ? [{ name: "paketo:go-replaces", value: `${m.replaces.path}@${m.replaces.version}` }] : []),
  ];
  return {
    type,
    name: m.path,
    ...(version ? { version } : {}),
    purl: goPurl(m.path, version),
    ...(props.length ? { properties: props } : {}),
  };
}

export interface TargetsSbomOptions {
  tool: { name: string; version: string };
  sourceDateEpoch: string | undefined;
}

/** One document for all the binaries: their modules (each once), their standard libraries. */
export function targetsSbom(infos: readonly BuildInfo[], o: TargetsSbomOptions): SbomDocument {
  const components: Component[] = [];
  const mains: Component[] = [];
  for (const info of infos) {
    if (info.main) mains.push(moduleComponent(info.main, "application"));
    for (const d of info.deps) components.push(moduleComponent(d, "library"));
    components.push({
      type: "library",
      name: "stdlib",
      version: info.goVersion,
      purl: formatPurl({ type: "golang", name: "stdlib", version: info.goVersion }),
      cpe: `cpe:2.3:a:golang:go:${info.goVersion}:*:*:*:*:*:*:*`,
      licenses: ["BSD-3-Clause"],
      description: "The Go standard library",
    });
  }
  const [subject, ...otherMains] = mains;
  return {
    name: subject?.name ?? "go binaries",
    timestamp: reproducibleDate(o.sourceDateEpoch),
    tool: o.tool,
    ...(subject ? { subject: { ...subject, ref: `app/${subject.name}` } } : {}),
    components: [...otherMains, ...components],
  };
}
