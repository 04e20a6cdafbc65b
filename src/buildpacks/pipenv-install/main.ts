// The composition root of pipenv-install.
import { main } from "../../buildpack-api/index.js";
import { pipenvInstall } from "./buildpack.js";

await main(pipenvInstall());
