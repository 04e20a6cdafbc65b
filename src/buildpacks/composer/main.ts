// The composition root of composer.
import { main } from "../../buildpack-api/index.js";
import { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { composer } from "./buildpack.js";

await main(composer({ install: installDebianPackages }));
