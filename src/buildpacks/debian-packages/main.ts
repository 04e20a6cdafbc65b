// The composition root of debian-packages.
import { main } from "../../buildpack-api/index.js";
import { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { debianPackages } from "./buildpack.js";

await main(debianPackages({ install: installDebianPackages }));
