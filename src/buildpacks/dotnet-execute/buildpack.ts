// dotnet-execute for self-contained deployments: the app's apphost as a direct process (type =
// the app's name, the default), ASPNETCORE_URLS from PORT at launch as Paketo's port chooser sets
// it (unless set), and DOTNET_SYSTEM_GLOBALIZATION_INVARIANT when the app runs without ICU. The
// .NET SDK and runtime have no source these machines reach (docs/dotnet.md): a framework-dependent
// app or a project to build is one clear error saying so.
import { defineBuildpack, fail, layerEnv, pass } from "../../buildpack-api/index.js";
import { PaketoError } from "../../errors/index.js";
import { findApp } from "./app.js";

/** exec.d (POSIX sh, fd 3 takes TOML): ASPNETCORE_URLS from PORT unless the user set it. */
export const PORT_CHOOSER = `#!/bin/sh
# Sets ASPNETCORE_URLS from PORT for this launch, unless it is set (paketo's dotnet-execute).
[ -n "\${ASPNETCORE_URLS:-}" ] && exit 0
printf 'ASPNETCORE_URLS = "http://0.0.0.0:%s"\\n' "\${PORT:-8080}" >&3
`;

/** The app runs without ICU: its runtimeconfig says so, or DOTNET_SYSTEM_GLOBALIZATION_INVARIANT is set for the build. */
function invariant(fromConfig: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  const v = env.DOTNET_SYSTEM_GLOBALIZATION_INVARIANT?.toLowerCase();
  return fromConfig || v === "1" || v === "true";
}

export const dotnetExecute = () =>
  defineBuildpack({
    detect: async (ctx) => {
      const app = await findApp(ctx.appDir);
      if (app.kind === "none") return fail("no *.runtimeconfig.json and no .NET project file");
      // source and framework-dependent apps pass, so the build can say what they need
      const icu = app.kind === "self-contained" && !invariant(app.invariant, ctx.env);
      return pass({ requires: icu ? [{ name: "icu", metadata: { launch: true } }] : [] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const app = await findApp(ctx.appDir);
      if (app.kind === "source") {
        throw new PaketoError("DOTNET_SDK", `${app.project}: building .NET from source needs the .NET SDK and NuGet, which no source reachable from this machine provides`, {
          hint: "publish the app self-contained elsewhere (dotnet publish --self-contained -r linux-x64) and build the published folder",
        });
      }
      if (app.kind === "framework-dependent") {
        throw new PaketoError("DOTNET_RUNTIME", `${app.name}.runtimeconfig.json: a framework-dependent app needs the .NET runtime (${app.frameworks.join(", ")}), which no source reachable from this machine provides`, {
          hint: "publish the app self-contained (dotnet publish --self-contained -r linux-x64) and build the published folder",
        });
      }
      if (app.kind === "none") throw new PaketoError("DOTNET_APP", "no *.runtimeconfig.json in the app");
      const layer = await ctx.layers.uncached("port-chooser", { launch: true });
      await layer.writeExecD([{ name: "port-chooser", content: PORT_CHOOSER }]);
      // with ICU required, the group has the icu buildpack (else detection fails)
      if (invariant(app.invariant, ctx.env)) {
        await layer.writeEnv(layerEnv().default("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1", { scope: "launch" }));
        log.process("No ICU: DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 at launch");
      }
      log.process("Assigning launch processes:");
      log.subprocess(`${app.name} (default): ${app.apphost}`);
      log.break();
      return { processes: [{ type: app.name.replace(/[^A-Za-z0-9._-]/g, "-"), command: [app.apphost], default: true }] };
    },
  });
