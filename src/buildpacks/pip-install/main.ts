// The composition root of pip-install.
import { main } from "../../buildpack-api/index.js";
import { pipInstall } from "./buildpack.js";

await main(pipInstall());
