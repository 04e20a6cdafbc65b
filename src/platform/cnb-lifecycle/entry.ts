// The bundle's start (scripts/package-lifecycle.mjs): `node lifecycle.mjs PHASE FLAGS... IMAGE`.
import { main } from "./main.js";

process.exitCode = await main(process.argv.slice(2), process.env);
