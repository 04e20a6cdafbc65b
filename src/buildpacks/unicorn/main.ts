// The composition root of unicorn (ruby-common/start.ts).
import { main } from "../../buildpack-api/index.js";
import { rubyStart } from "../ruby-common/start.js";

await main(rubyStart("unicorn"));
