// The composition root of environment-variables; packageBuildpack bundles this file into bin/main.mjs.
import { main } from "../../buildpack-api/index.js";
import { environmentVariables } from "./buildpack.js";

await main(environmentVariables());
