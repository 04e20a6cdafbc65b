// pipenv: Pipenv from the package index, in a virtual environment of its own in a build layer
// (python-common/tool.ts); BP_PIPENV_VERSION, default the newest release.
import { defineBuildpack, pass, s } from "../../buildpack-api/index.js";
import type { pypi as pypiDeps } from "../../deps/index.js";
import { installTool } from "../python-common/index.js";

export const pipenvTool = (deps: { pypi: Pick<typeof pypiDeps, "PypiSource"> }) =>
  defineBuildpack({
    detect: async () =>
      pass({
        provides: [{ name: "pipenv" }],
        requires: [
          { name: "cpython", metadata: { build: true } },
          { name: "pip", metadata: { build: true } },
        ],
      }),
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      if (ctx.plan.select("pipenv", s.object({})).length === 0) return {};
      await installTool(ctx, { pypi: deps.pypi, name: "pipenv", spec: ctx.env.BP_PIPENV_VERSION?.trim() || undefined, where: "BP_PIPENV_VERSION", commands: ["pipenv"] });
      return {};
    },
  });
