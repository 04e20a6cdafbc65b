// The composition root of the hello buildpack: the one place its real dependencies are made.
// packageBuildpack bundles this file into bin/main.mjs.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { main } from "../../index.js";
import { hello } from "./buildpack.js";

async function install(binDir: string, greeting: string): Promise<void> {
  const quoted = `'${greeting.replaceAll("'", `'\\''`)}'`;
  await mkdir(binDir, { recursive: true });
  await writeFile(join(binDir, "hello"), `#!/bin/sh\necho ${quoted}", $1"\n`);
  await chmod(join(binDir, "hello"), 0o755);
}

await main(hello({ install }));
