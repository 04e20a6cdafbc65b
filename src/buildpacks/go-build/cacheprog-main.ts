// The GOCACHEPROG entry point on its own (tests start it; the bundled buildpack runs the same code
// from bin/main.mjs when PAKETO_GOCACHEPROG=1).
import { cacheProgFromEnv } from "./cacheprog.js";

await cacheProgFromEnv(process.env);
