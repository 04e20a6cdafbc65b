// The restore phase (CNB-25, CNB-39, CNB-40). See src/lifecycle/README.md.
export { restore, extractLayerDir, type RestoreDeps, type RestoreInputs, type RestoreResult } from "./restore.js";
export { planRestore, type LayerRestore, type RestorePlan } from "./plan.js";
export { RestoreError, type RestoreErrorCode } from "./errors.js";
export { returnTrees, type Lent } from "../layer-cache/index.js";
