// The composition root of cpython.
import { main } from "../../buildpack-api/index.js";
import { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { cpython } from "./buildpack.js";

await main(cpython({ install: installDebianPackages }));
