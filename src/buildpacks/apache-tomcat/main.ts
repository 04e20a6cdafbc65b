// The composition root of apache-tomcat.
import { main } from "../../buildpack-api/index.js";
import { maven } from "../../deps/index.js";
import { apacheTomcat } from "./buildpack.js";

await main(apacheTomcat({ maven }));
