// The composition root of poetry.
import { main } from "../../buildpack-api/index.js";
import { pypi } from "../../deps/index.js";
import { poetryTool } from "./buildpack.js";

await main(poetryTool({ pypi }));
