// The composition root of executable-jar.
import { main } from "../../buildpack-api/index.js";
import { executableJar } from "./buildpack.js";

await main(executableJar());
