// The composition root of rake (ruby-common/start.ts).
import { main } from "../../buildpack-api/index.js";
import { rubyStart } from "../ruby-common/start.js";

await main(rubyStart("rake"));
