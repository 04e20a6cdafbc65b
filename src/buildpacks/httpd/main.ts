// The composition root of the httpd buildpack.
import { main } from "../../buildpack-api/index.js";
import { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { httpd } from "./buildpack.js";

await main(httpd({ install: installDebianPackages }));
