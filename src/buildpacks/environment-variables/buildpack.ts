// environment-variables: the user's BPE_* settings (from the platform's env, as Paketo reads them)
// become one launch layer with env.launch/ files only. The layer is reused from the previous image
// while the settings are unchanged.
import { defineBuildpack, fail, layerEnv, type LayerEnv, pass, s } from "../../buildpack-api/index.js";
import { hasSettings, type LaunchVariable, launchVariables } from "./variables.js";

const DESCRIBE: Record<LaunchVariable["modification"], string> = {
  override: "set",
  default: "default",
  append: "append",
  prepend: "prepend",
  delimiter: "delimiter",
};

export const environmentVariables = () =>
  defineBuildpack({
    detect: (ctx) =>
      hasSettings(ctx.platform.env)
        ? pass({ provides: [{ name: "environment-variables" }], requires: [{ name: "environment-variables" }] })
        : fail("no BPE_* variable is set"),
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name} ${ctx.buildpack.version}`);
      const { variables, warnings } = launchVariables(ctx.platform.env);
      for (const w of warnings) ctx.logger.warning(w);
      // The env files themselves (NAME.suffix → value) are the layer's identity.
      let env: LayerEnv = layerEnv();
      for (const v of variables) env = env.with({ scope: "launch", modification: v.modification, name: v.name, value: v.value });
      const files = Object.fromEntries(env.files());

      const layer = await ctx.layers.cached("environment-variables", {
        launch: true,
        cache: false,
        metadata: s.object({ files: s.record(s.string()) }),
        onRestored: (m) => (JSON.stringify(m.files) === JSON.stringify(files) ? "keep" : { rebuild: "the BPE_* settings changed" }),
      });
      if (layer.state.kind === "restored") ctx.logger.process("Reusing the launch environment of the previous image");
      else {
        await layer.writeEnv(env);
        await layer.write({ files });
      }
      ctx.logger.process("Launch environment:");
      for (const v of variables) ctx.logger.subprocess(`${v.name}: ${DESCRIBE[v.modification]} (${v.from})`);
      return {};
    },
  });
