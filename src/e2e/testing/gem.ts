// Writing a Ruby .gem file without Ruby (RubyGems is not reachable here, and the test machine has
// no Ruby): a tar of metadata.gz (the specification as RubyGems writes it in YAML) and
// data.tar.gz (the files). What `gem build` makes from a gemspec with these fields.
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

export interface GemSpec {
  name: string;
  version: string;
  summary?: string;
  /** Path in the gem → content. */
  files: Record<string, string>;
  /** extconf.rb paths of native extensions. */
  extensions?: string[];
  /** Runtime dependencies: name → requirement (`>= 0`). */
  dependencies?: Record<string, string>;
}

function tar(entries: Array<{ name: string; content: Buffer | string }>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<Buffer>((resolve, reject) => {
    p.on("end", () => resolve(Buffer.concat(chunks)));
    p.on("error", reject);
  });
  for (const e of entries) p.entry({ name: e.name, mode: 0o644, mtime: new Date(0) }, e.content);
  p.finalize();
  return done;
}

function requirement(req: string): string {
  const m = /^\s*(>=|<=|~>|>|<|=|!=)?\s*(\S+)\s*$/.exec(req) ?? [];
  return `!ruby/object:Gem::Requirement\n    requirements:\n    - - "${m[1] ?? "="}"\n      - !ruby/object:Gem::Version\n        version: '${m[2] ?? "0"}'`;
}

export function gemMetadata(spec: GemSpec): string {
  const list = (items: string[], indent = "") => (items.length ? `\n${items.map((i) => `${indent}- ${i}`).join("\n")}` : " []");
  const deps = Object.entries(spec.dependencies ?? {}).map(
    ([name, req]) =>
      `!ruby/object:Gem::Dependency\n  name: ${name}\n  requirement: ${requirement(req).replace(/\n/g, "\n  ")}\n  type: :runtime\n  prerelease: false\n  version_requirements: ${requirement(req).replace(/\n/g, "\n  ")}`,
  );
  return `--- !ruby/object:Gem::Specification
name: ${spec.name}
version: !ruby/object:Gem::Version
  version: ${spec.version}
platform: ruby
authors:
- paketo tests
bindir: bin
cert_chain: []
date: 2026-01-01 00:00:00.000000000 Z
dependencies:${list(deps)}
executables: []
extensions:${list(spec.extensions ?? [])}
extra_rdoc_files: []
files:${list(Object.keys(spec.files).sort())}
licenses:
- MIT
metadata: {}
rdoc_options: []
require_paths:
- lib
required_ruby_version: ${requirement(">= 0")}
required_rubygems_version: ${requirement(">= 0")}
requirements: []
rubygems_version: 3.4.20
specification_version: 4
summary: ${spec.summary ?? spec.name}
test_files: []
`;
}

/** The .gem file's bytes. */
export async function makeGem(spec: GemSpec): Promise<Buffer> {
  const data = await tar(Object.entries(spec.files).map(([name, content]) => ({ name, content })));
  return tar([
    { name: "metadata.gz", content: gzipSync(gemMetadata(spec)) },
    { name: "data.tar.gz", content: gzipSync(data) },
  ]);
}
