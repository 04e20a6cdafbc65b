// Composition root of npm-install: the real npm registry source.
import { main } from "../../buildpack-api/index.js";
import { registrySource } from "../node-common/index.js";
import { npmInstall } from "./buildpack.js";

await main(npmInstall({ source: registrySource }));
