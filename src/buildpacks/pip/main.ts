// The composition root of pip.
import { main } from "../../buildpack-api/index.js";
import { pypi } from "../../deps/index.js";
import { pip } from "./buildpack.js";

await main(pip({ pypi }));
