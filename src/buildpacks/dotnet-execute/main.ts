// The composition root of dotnet-execute.
import { main } from "../../buildpack-api/index.js";
import { dotnetExecute } from "./buildpack.js";

await main(dotnetExecute());
