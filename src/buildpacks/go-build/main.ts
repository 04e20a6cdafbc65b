// The composition root of go-build. packageBuildpack bundles this file into bin/main.mjs.
import { main } from "../../buildpack-api/index.js";
import { goBuild } from "./buildpack.js";

await main(goBuild());
