// hello: a whole buildpack on this API. Detects hello.txt, installs a script into a cached launch
// layer (rebuilt only when the greeting changes), sets an env var, and declares the web process.
import { access } from "node:fs/promises";
import { join } from "node:path";
import { defineBuildpack, fail, layerEnv, pass, s } from "../../index.js";

/** What hello needs from outside; main.ts passes the real one, tests a fake. */
export interface HelloDeps {
  install: (binDir: string, greeting: string) => Promise<void>;
}

export const hello = (deps: HelloDeps) =>
  defineBuildpack({
    metadata: s.object({ "default-greeting": s.string() }),
    detect: async (ctx) =>
      (await access(join(ctx.appDir, "hello.txt")).then(() => true, () => false)) ? pass({ provides: [{ name: "hello" }], requires: [{ name: "hello" }] }) : fail("no hello.txt"),
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name} ${ctx.buildpack.version}`);
      const greeting = ctx.env.BP_HELLO_GREETING ?? ctx.buildpack.metadata["default-greeting"];
      const layer = await ctx.layers.cached("hello", {
        launch: true,
        metadata: s.object({ greeting: s.string() }),
        onRestored: (m) => (m.greeting === greeting ? "keep" : { rebuild: `greeting changed from ${m.greeting}` }),
      });
      if (layer.state.kind === "restored") ctx.logger.process("Reusing cached layer");
      else {
        ctx.logger.process(`Installing hello (${greeting})`);
        await deps.install(join(layer.path, "bin"), greeting);
        await layer.write({ greeting });
      }
      await layer.writeEnv(layerEnv().default("HELLO_GREETING", greeting, { scope: "launch" }));
      return { processes: [{ type: "web", command: ["hello"], args: ["world"], default: true }] };
    },
  });
