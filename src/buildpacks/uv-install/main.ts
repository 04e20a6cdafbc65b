// The composition root of uv-install.
import { main } from "../../buildpack-api/index.js";
import { pypi } from "../../deps/index.js";
import { uvInstall } from "./buildpack.js";

await main(uvInstall({ pypi }));
