// The composition root of php-httpd.
import { main } from "../../buildpack-api/index.js";
import { phpHttpd } from "./buildpack.js";

await main(phpHttpd());
