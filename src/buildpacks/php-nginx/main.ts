// The composition root of php-nginx.
import { main } from "../../buildpack-api/index.js";
import { phpNginx } from "./buildpack.js";

await main(phpNginx());
