export { compressedToLayer, decompress, digestStream, layerDescriptor, type CompressedLayerCore } from "./layer.js";
export { imageFromParts, readAll, toImage, toImageIndex, type ImageCore, type IndexCore } from "./image.js";
