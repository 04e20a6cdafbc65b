// The composition root of composer-install.
import { main } from "../../buildpack-api/index.js";
import { composerInstall } from "./buildpack.js";

await main(composerInstall());
