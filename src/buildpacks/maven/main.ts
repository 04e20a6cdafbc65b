// The composition root of maven.
import { main } from "../../buildpack-api/index.js";
import { maven } from "../../deps/index.js";
import { mavenBuild } from "./buildpack.js";

await main(mavenBuild({ maven }));
