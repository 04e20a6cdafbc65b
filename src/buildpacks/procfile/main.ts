// The composition root of procfile; packageBuildpack bundles this file into bin/main.mjs.
import { main } from "../../buildpack-api/index.js";
import { procfile } from "./buildpack.js";

await main(procfile());
