import { type Command, imageOptions } from "../command.js";

export const command: Command = {
  name: "sbom",
  summary:
    "Write an app image's SBOM layer (CNB-22) into a folder, keeping its paths: " +
    "DIR/layers/sbom/launch/<buildpack>/[<layer>/]sbom.<ext>, plus one image SBOM (DIR/sbom.cdx.json, DIR/sbom.spdx.json) " +
    "merging the buildpacks' CycloneDX documents with the run image's OS packages. Prints the files written.",
  usage: "paketo sbom download IMAGE [--output-dir DIR] [--creds USER:PASS] [--insecure-registry HOST]...",
  options: { ...imageOptions, "output-dir": { type: "string" } },
  args: [2, 2],
  run: async (ctx, v, args) => (await import("./run/sbom.js")).run(ctx, v, args),
};
