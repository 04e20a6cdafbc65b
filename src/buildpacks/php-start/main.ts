// The composition root of php-start.
import { main } from "../../buildpack-api/index.js";
import { phpStart } from "./buildpack.js";

await main(phpStart());
