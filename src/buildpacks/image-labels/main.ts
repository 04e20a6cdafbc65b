// The composition root of image-labels; packageBuildpack bundles this file into bin/main.mjs.
import { main } from "../../buildpack-api/index.js";
import { imageLabels } from "./buildpack.js";

await main(imageLabels());
