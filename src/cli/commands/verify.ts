import { type Command, imageOptions } from "../command.js";

export const command: Command = {
  name: "verify",
  summary:
    "Verify an image's cosign signature with a public key: a stored signature must verify and sign the digest the name points at now; " +
    "every attestation stored beside it must verify too, and each --attestation TYPE (cyclonedx, spdxjson, slsaprovenance1 or a predicate URI) must be among them. " +
    "Exits non-zero with the reason otherwise.",
  usage: "paketo verify IMAGE --key cosign.pub [--attestation TYPE]... [--json] [--creds USER:PASS] [--insecure-registry HOST]...",
  options: { ...imageOptions, key: { type: "string" }, attestation: { type: "string", multiple: true }, json: { type: "boolean" } },
  args: [1, 1],
  run: async (ctx, v, args) => (await import("./run/verify.js")).run(ctx, v, args),
};
