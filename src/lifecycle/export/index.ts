// The export phase (CNB-42..53). See src/lifecycle/README.md.
export { exportImage, type ExportDeps, type ExportInputs, type ExportResult, type ExportedLayerInfo } from "./export.js";
export { planExport, type CurrentLayers, type PlannedLayer, type LayerRole } from "./plan.js";
export { sliceAppDir, type AppPath } from "./slices.js";
export { compileGlob, cleanPath, type Glob } from "./glob.js";
export { ExportError, type ExportErrorCode } from "./errors.js";
