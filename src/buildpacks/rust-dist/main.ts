// The composition root of rust-dist.
import { main } from "../../buildpack-api/index.js";
import { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { rustDist } from "./buildpack.js";

await main(rustDist({ install: installDebianPackages }));
