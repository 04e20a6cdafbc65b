// The composition root of go-build. packageBuildpack bundles this file into bin/main.mjs, which is
// also the build cache program the go command starts (GOCACHEPROG, with PAKETO_GOCACHEPROG=1).
import { fileURLToPath } from "node:url";
import { main } from "../../buildpack-api/index.js";
import { goBuild } from "./buildpack.js";
import { cacheProgFromEnv } from "./cacheprog.js";

if (process.env.PAKETO_GOCACHEPROG === "1") await cacheProgFromEnv(process.env);
else await main(goBuild({ cacheProg: [process.execPath, fileURLToPath(import.meta.url)] }));
