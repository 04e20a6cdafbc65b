// The composition root of bundle-install.
import { main } from "../../buildpack-api/index.js";
import { bundleInstall } from "./buildpack.js";

await main(bundleInstall());
