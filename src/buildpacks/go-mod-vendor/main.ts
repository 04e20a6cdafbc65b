// The composition root of go-mod-vendor. packageBuildpack bundles this file into bin/main.mjs.
import { main } from "../../buildpack-api/index.js";
import { goModVendor } from "./buildpack.js";

await main(goModVendor());
