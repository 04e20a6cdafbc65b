import { transport } from "../oci/index.js";
import type { CliContext, Values } from "./command.js";

/** Turns the shared image flags and the environment into transport options, once per command. */
export function transportOptions(ctx: CliContext, v: Values, which: "src" | "dest" | "any" = "any"): transport.TransportOptions {
  const creds = (which === "src" ? v["src-creds"] : which === "dest" ? v["dest-creds"] : undefined) ?? v.creds;
  const opts: transport.TransportOptions = {
    storeRoot: typeof v.store === "string" ? v.store : transport.defaultStoreRoot(ctx.env),
    env: ctx.env,
    insecureRegistries: (v["insecure-registry"] as string[] | undefined) ?? [],
    onProgress: (e) => ctx.reporter.progress(e),
    redactor: ctx.redactor,
  };
  if (typeof creds === "string") opts.creds = creds;
  return opts;
}
