// The composition root of node-start; packageBuildpack bundles this file into bin/main.mjs.
import { main } from "../../buildpack-api/index.js";
import { nodeStart } from "./buildpack.js";

await main(nodeStart());
