import { type Command, imageOptions } from "../command.js";

export const command: Command = {
  name: "rebase",
  summary:
    "Move an app image onto a new run image by rewriting its config and manifest only (CNB-54), and write it back " +
    "to the same name. The run image defaults to the one the image's lifecycle metadata names, read again from " +
    "its source. Prints the new manifest digest.",
  usage: "paketo rebase IMAGE [--run-image REF] [--force] [--creds USER:PASS] [--insecure-registry HOST]...",
  options: { ...imageOptions, "run-image": { type: "string" }, force: { type: "boolean" } },
  args: [1, 1],
  run: async (ctx, v, args) => (await import("./run/rebase.js")).run(ctx, v, args),
};
