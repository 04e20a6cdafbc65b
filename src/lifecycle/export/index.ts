// The export phase (CNB-42..53) and the layer content cache it shares with the cache and restore
// phases. See src/lifecycle/export/README.md.
export { exportImage, quietLog, type ExportInputs, type ExportResult, type ExportedLayerInfo, type PhaseLog } from "./export.js";
export { planExport, type CurrentLayers, type PlannedLayer, type LayerRole } from "./plan.js";
export { sliceAppDir, type AppPath } from "./slices.js";
export { compileGlob, cleanPath, type Glob } from "./glob.js";
export { saveImage, writeReport, type SaveOptions } from "./save.js";
export { ExportError, EXPORT_EXIT_CODE, type ExportErrorCode } from "./errors.js";
export {
  LayerFactory,
  openLayerFactory,
  pruneLayerCache,
  type FactoryLayer,
  type LayerFactoryOptions,
  type LayerInput,
} from "./layer-factory.js";
export { LAYER_FORMAT, layerFiles, walkTree, type KeyedEntry, type LayerFiles, type LayerSettings, type Walked } from "./content-key.js";
export { readBuildMetadata, readGroup, readProjectMetadata, scanBuildpacks, type ScannedBuildpack, type ScannedLayer } from "./scan.js";
export { kindOf, listDir, readSpecFile, realDir, writeFileAtomic } from "./files.js";
