// The composition root of poetry-install.
import { main } from "../../buildpack-api/index.js";
import { poetryInstall } from "./buildpack.js";

await main(poetryInstall());
