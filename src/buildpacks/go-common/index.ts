// Shared by the Go buildpacks (go-dist, go-mod-vendor, go-build): go.mod, BP_GO_* settings,
// running the go command. Not a buildpack.
export { GoError, type GoErrorCode } from "./errors.js";
export { parseGoMod, readGoMod, type GoMod } from "./gomod.js";
export { buildDir, buildFlags, colonList, liveReload, relativeItem, type Env } from "./settings.js";
export { exitText, goEnv, lastLines, runGo, withModcacherw, type ToolRun } from "./exec.js";
