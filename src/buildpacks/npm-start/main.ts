// The composition root of npm-start; packageBuildpack bundles this file into bin/main.mjs.
import { main } from "../../buildpack-api/index.js";
import { npmStart } from "./buildpack.js";

await main(npmStart());
