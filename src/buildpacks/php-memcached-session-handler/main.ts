// The composition root of php-memcached-session-handler.
import { main } from "../../buildpack-api/index.js";
import { sessionHandler } from "../php-common/session.js";

await main(sessionHandler("memcached"));
