// The composition root of mri.
import { main } from "../../buildpack-api/index.js";
import { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { mri } from "./buildpack.js";

await main(mri({ install: installDebianPackages }));
