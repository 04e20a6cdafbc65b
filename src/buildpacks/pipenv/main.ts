// The composition root of pipenv.
import { main } from "../../buildpack-api/index.js";
import { pypi } from "../../deps/index.js";
import { pipenvTool } from "./buildpack.js";

await main(pipenvTool({ pypi }));
