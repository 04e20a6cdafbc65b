// The composition root of node-engine: the one place its real dependencies are made.
// packageBuildpack bundles this file into bin/main.mjs.
import { main } from "../../buildpack-api/index.js";
import { npm } from "../../deps/index.js";
import { nodeEngine } from "./buildpack.js";

await main(nodeEngine({ npm, now: () => new Date() }));
