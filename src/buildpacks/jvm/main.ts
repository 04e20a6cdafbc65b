// The composition root of the jvm buildpack.
import { main } from "../../buildpack-api/index.js";
import { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { jvm } from "./buildpack.js";

await main(jvm({ install: installDebianPackages }));
