// The composition root of go-dist: the one place its real dependencies are made.
// packageBuildpack bundles this file into bin/main.mjs.
import { main } from "../../buildpack-api/index.js";
import { go } from "../../deps/index.js";
import { goDist } from "./buildpack.js";

await main(goDist({ go }));
