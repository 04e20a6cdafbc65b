// The composition root of build-plan. packageBuildpack bundles this file into bin/main.mjs.
import { main } from "../../buildpack-api/index.js";
import { buildPlan } from "./buildpack.js";

await main(buildPlan());
