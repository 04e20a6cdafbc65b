export {
  chain,
  compressedToLayer,
  decompress,
  digestStream,
  layerDescriptor,
  layerName,
  layerTar,
  pipeWithErrors,
  type CompressedLayerCore,
  type LayerTarOptions,
} from "./layer.js";
export { imageFromParts, readAll, toImage, toImageIndex, type ImageCore, type IndexCore } from "./image.js";
