// The composition root of node-framework; packageBuildpack bundles this file into bin/main.mjs.
import { main } from "../../buildpack-api/index.js";
import { nodeFramework } from "./buildpack.js";

await main(nodeFramework());
