// poetry: Poetry from the package index, in a virtual environment of its own in a build layer
// (python-common/tool.ts); BP_POETRY_VERSION, default 2.* as Paketo's.
import { defineBuildpack, pass, s } from "../../buildpack-api/index.js";
import type { pypi as pypiDeps } from "../../deps/index.js";
import { installTool } from "../python-common/index.js";

export const poetryTool = (deps: { pypi: Pick<typeof pypiDeps, "PypiSource"> }) =>
  defineBuildpack({
    detect: async () =>
      pass({
        provides: [{ name: "poetry" }],
        requires: [
          { name: "cpython", metadata: { build: true } },
          { name: "pip", metadata: { build: true } },
        ],
      }),
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      if (ctx.plan.select("poetry", s.object({})).length === 0) return {};
      await installTool(ctx, { pypi: deps.pypi, name: "poetry", spec: ctx.env.BP_POETRY_VERSION?.trim() || "2.*", where: "BP_POETRY_VERSION", commands: ["poetry"] });
      return {};
    },
  });
