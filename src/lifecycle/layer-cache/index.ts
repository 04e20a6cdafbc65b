// The layer content cache (see ../README.md): a layer is tarred and compressed once per
// content, found again by a key of its files' names, modes and stat, and shared by restore, export
// and the cache save of every build on the machine.
export {
  type BuiltBuildpackLayer,
  LayerFactory,
  openLayerFactory,
  type FactoryLayer,
  type LayerFactoryOptions,
  type LayerInput,
} from "./layer-factory.js";
export { keepTree, type Lent, restoreFromTree, returnTrees } from "./trees.js";
export { LAYER_FORMAT, layerFiles, walkTree, type KeyedEntry, type LayerFiles, type LayerSettings, type Walked } from "./content-key.js";
