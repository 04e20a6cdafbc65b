// The composition root of ca-certificates; packageBuildpack bundles this file into bin/main.mjs.
import { main } from "../../buildpack-api/index.js";
import { caCertificates, SYSTEM_BUNDLE } from "./buildpack.js";

await main(caCertificates({ systemBundle: SYSTEM_BUNDLE }));
