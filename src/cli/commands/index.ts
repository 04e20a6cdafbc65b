import type { Command } from "../command.js";

// Each command is imported only when it runs, so `paketo --help` loads nothing else.
const table: Record<string, () => Promise<{ command: Command }>> = {
  build: () => import("./build.js"),
  copy: () => import("./copy.js"),
  images: () => import("./images.js"),
  inspect: () => import("./inspect.js"),
  rmi: () => import("./rmi.js"),
  prune: () => import("./prune.js"),
  cache: () => import("./cache.js"),
  stack: () => import("./stack.js"),
  buildpack: () => import("./buildpack.js"),
  builder: () => import("./builder.js"),
  rebase: () => import("./rebase.js"),
  sbom: () => import("./sbom.js"),
  key: () => import("./key.js"),
  sign: () => import("./sign.js"),
  verify: () => import("./verify.js"),
  attest: () => import("./attest.js"),
};

export const commandNames = Object.keys(table);

export async function loadCommand(name: string): Promise<Command | undefined> {
  const load = table[name];
  return load ? (await load()).command : undefined;
}
