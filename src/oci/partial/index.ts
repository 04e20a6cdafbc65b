export { compressedToLayer, decompress, digestStream, layerDescriptor, pipeWithErrors, type CompressedLayerCore } from "./layer.js";
export { imageFromParts, readAll, toImage, toImageIndex, type ImageCore, type IndexCore } from "./image.js";
