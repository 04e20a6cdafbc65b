// The composition root of cargo.
import { main } from "../../buildpack-api/index.js";
import { cargo } from "./buildpack.js";

await main(cargo());
