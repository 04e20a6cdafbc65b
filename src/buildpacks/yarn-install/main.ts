// Composition root of yarn-install: the real npm registry source.
import { main } from "../../buildpack-api/index.js";
import { registrySource } from "../node-common/index.js";
import { yarnInstall } from "./buildpack.js";

await main(yarnInstall({ source: registrySource }));
