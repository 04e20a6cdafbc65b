// The composition root of poetry-run.
import { main } from "../../buildpack-api/index.js";
import { poetryRun } from "./buildpack.js";

await main(poetryRun());
