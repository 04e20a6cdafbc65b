// The composition root of php-redis-session-handler.
import { main } from "../../buildpack-api/index.js";
import { sessionHandler } from "../php-common/session.js";

await main(sessionHandler("redis"));
