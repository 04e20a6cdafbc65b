// The composition root of php-builtin-server.
import { main } from "../../buildpack-api/index.js";
import { phpBuiltinServer } from "./buildpack.js";

await main(phpBuiltinServer());
