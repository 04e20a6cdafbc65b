// The composition root of the nginx buildpack.
import { main } from "../../buildpack-api/index.js";
import { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { nginx } from "./buildpack.js";

await main(nginx({ install: installDebianPackages }));
