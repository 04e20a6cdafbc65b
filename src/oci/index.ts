// The OCI image toolkit: values (digests, descriptors, manifests, configs), immutable Image /
// Layer / ImageIndex views, mutations that return new views, and the transports that read and
// write them. Knows nothing of buildpacks.
export * from "./digest.js";
export * from "./errors.js";
export * from "./media-type.js";
export * from "./platform.js";
export * from "./descriptor.js";
export * from "./manifest.js";
export * from "./config.js";
export type { Artifact, Image, ImageIndex, Layer, RegistryOrigin } from "./image.js";
export * as partial from "./partial/index.js";
export * as mutate from "./mutate/index.js";
export * as remote from "./remote/index.js";
export * from "./ref/index.js";
export * as extract from "./extract/index.js";
export * as layer from "./layer/index.js";
export * as layout from "./layout/index.js";
export * as archive from "./archive/index.js";
export * as store from "./store/index.js";
export { emptyImage } from "./empty.js";
export { layerFromBytes, layerFromTarBytes } from "./static-layer.js";
export { once } from "./memo.js";
export * from "./progress.js";
export * as transport from "./transport/index.js";
