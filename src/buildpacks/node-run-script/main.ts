// Composition root of node-run-script: it needs nothing but the build env.
import { main } from "../../buildpack-api/index.js";
import { nodeRunScript } from "./buildpack.js";

await main(nodeRunScript());
