// Composition root of pnpm-install: the real npm registry source.
import { main } from "../../buildpack-api/index.js";
import { registrySource } from "../node-common/index.js";
import { pnpmInstall } from "./buildpack.js";

await main(pnpmInstall({ source: registrySource }));
