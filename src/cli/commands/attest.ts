import { type Command, imageOptions } from "../command.js";

export const command: Command = {
  name: "attest",
  summary:
    "Attest an app image as `cosign attest --key` does: its SBOM (CycloneDX and SPDX, as `paketo sbom download` merges them) and a SLSA " +
    "provenance v1 predicate, as in-toto statements in DSSE envelopes stored as the sha256-<digest>.att image beside it; then sign it. " +
    "--builder, --source (the git commit of DIR) and --env NAME add what only the build knew. Prints the tags written.",
  usage: "paketo attest IMAGE --key cosign.key [--builder REF] [--source DIR] [--env NAME]... [--creds USER:PASS] [--insecure-registry HOST]...",
  options: { ...imageOptions, key: { type: "string" }, builder: { type: "string" }, source: { type: "string" }, env: { type: "string", multiple: true } },
  args: [1, 1],
  run: async (ctx, v, args) => (await import("./run/attest.js")).run(ctx, v, args),
};
