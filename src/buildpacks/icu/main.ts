// The composition root of icu.
import { main } from "../../buildpack-api/index.js";
import { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { icu } from "./buildpack.js";

await main(icu({ install: installDebianPackages }));
