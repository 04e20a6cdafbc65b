// build-plan: the app's `plan.toml` (the build plan format: [[provides]], [[requires]] with
// metadata, [[or]]) joins the build plan as this buildpack's own, so an app can ask for what no
// other buildpack of the group asks for: Go at launch for a Procfile `go run`, say. As
// paketo-community/build-plan does it. Build has nothing to do.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { defineBuildpack, fail, pass } from "../../buildpack-api/index.js";
import { CnbError, parseDetectPlan } from "../../cnb/index.js";
import { PaketoError } from "../../errors/index.js";

export const buildPlan = () =>
  defineBuildpack({
    detect: async (ctx) => {
      let text: string;
      try {
        text = await readFile(join(ctx.appDir, "plan.toml"), "utf8");
      } catch {
        return fail("plan.toml is not present");
      }
      try {
        const plan = parseDetectPlan(text, "plan.toml");
        return pass({ provides: plan.provides, requires: plan.requires, or: plan.or });
      } catch (e) {
        if (e instanceof CnbError) throw new PaketoError("BUILD_PLAN", e.message, { hint: "plan.toml takes [[provides]] name = ..., [[requires]] name = ... [requires.metadata] ..., [[or]]", cause: e });
        throw e;
      }
    },
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      return {};
    },
  });
