// The composition root of php-fpm.
import { main } from "../../buildpack-api/index.js";
import { phpFpm } from "./buildpack.js";

await main(phpFpm());
