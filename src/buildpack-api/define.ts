// A buildpack is two functions and two optional schemas (packit's Detect/Build, libcnb.rs's
// associated Metadata type). Dependencies come in through a factory the buildpack's main.ts calls:
//
//     export const nodeEngine = (deps: { resolve: Resolve; fetch: Fetch }) => defineBuildpack({ detect, build: ... });
//     // main.ts, the composition root:
//     main(nodeEngine({ resolve: realResolver, fetch: verifiedFetch }));
import type { Table } from "../cnb/index.js";
import type { BuildResult } from "./build.js";
import type { BuildContext, DetectContext } from "./context.js";
import type { DetectResult } from "./detect.js";
import type { Schema } from "./schema.js";

export interface Buildpack<M = Table, S = Table> {
  /** Schema of buildpack.toml `[metadata]`, checked before detect and build run. */
  readonly metadata?: Schema<M>;
  /** Schema of store.toml `[metadata]`: `ctx.store` when it matches, undefined otherwise. */
  readonly store?: Schema<S>;
  readonly detect: (ctx: DetectContext<M>) => DetectResult | Promise<DetectResult>;
  readonly build: (ctx: BuildContext<M, S>) => BuildResult<S> | Promise<BuildResult<S>>;
}

/** Declares a buildpack; the types of `[metadata]` and the store follow from the schemas. */
export function defineBuildpack<M = Table, S = Table>(buildpack: Buildpack<M, S>): Buildpack<M, S> {
  return Object.freeze({ ...buildpack });
}
