// The composition root of php-dist.
import { main } from "../../buildpack-api/index.js";
import { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { phpDist } from "./buildpack.js";

await main(phpDist({ install: installDebianPackages }));
