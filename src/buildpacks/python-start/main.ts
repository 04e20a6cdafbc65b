// The composition root of python-start.
import { main } from "../../buildpack-api/index.js";
import { pythonStart } from "./buildpack.js";

await main(pythonStart());
