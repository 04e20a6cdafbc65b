// Builders of fixture buildpacks for the detection and build memo tests: each of
// fixtures/detect-reads (our buildpack API) packaged with its own [metadata], plus a bash one.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { packageBuildpack } from "../../../buildpack-api/packaging/index.js";
import { writeTree } from "../../../testing/index.js";
import type { Cli } from "./e2e.js";

const FIXTURE = fileURLToPath(new URL("../../../../src/platform/creator/fixtures/detect-reads/main.ts", import.meta.url));

/** Buildpack name → its [metadata] (what its detect looks at). */
export const MEMO_BUILDPACKS: Record<string, string> = {
  "reads-pkg": 'read = ["package.json"]',
  "exists-server": 'exists = ["server.js"]',
  "lists-root": 'list = [""]',
  "needs-gomod": 'exists = ["go.mod"]',
  spawner: 'read = ["package.json"]\nspawn = true',
  shows: "show = true",
};

/** Packages the fixtures into `<dir>/bps` (once per dir) and creates builder `name` whose one group is `ids` (ids "memo/<name>", all optional; "bash-pkg" is the bash one). */
export async function makeMemoBuilder(c: Cli, dir: string, name: string, ids: string[]): Promise<void> {
  const dirs: string[] = [];
  for (const [id, metadata] of Object.entries(MEMO_BUILDPACKS)) {
    const bp = await packageBuildpack({
      entry: FIXTURE,
      buildpackToml: `api = "0.10"\n[buildpack]\nid = "memo/${id}"\nversion = "1.0.0"\nname = "${id}"\n[[targets]]\nos = "linux"\n[metadata]\n${metadata}\n`,
      outDir: join(dir, "bps", id),
    });
    dirs.push(bp.dir);
  }
  dirs.push(
    writeTree(join(dir, "bps", "bash-pkg"), {
      "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "memo/bash-pkg"\nversion = "1.0.0"\nname = "bash-pkg"\n[[targets]]\nos = "linux"\n',
      "bin/detect": { content: '#!/usr/bin/env bash\n[ -f package.json ] || exit 100\necho "detect ran: bash"\n', mode: 0o755 },
      "bin/build": { content: "#!/usr/bin/env bash\nexit 0\n", mode: 0o755 },
    }),
  );
  const group = ids.map((id) => `[[order.group]]\nid = "memo/${id}"\nversion = "1.0.0"\noptional = true\n`).join("");
  const toml = `${dirs.map((d) => `[[buildpacks]]\nuri = "${d}"\n`).join("\n")}\n[[order]]\n${group}\n[build]\nimage = "stack:build"\n\n[[run.images]]\nimage = "stack:run"\n`;
  writeFileSync(join(dir, `${name.replace(/[^a-z0-9]/g, "-")}.toml`), toml);
  await c.ok(["builder", "create", name, "--config", join(dir, `${name.replace(/[^a-z0-9]/g, "-")}.toml`)]);
}
