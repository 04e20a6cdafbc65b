// The composition root of spring-boot.
import { main } from "../../buildpack-api/index.js";
import { maven } from "../../deps/index.js";
import { springBoot } from "./buildpack.js";

await main(springBoot({ maven }));
