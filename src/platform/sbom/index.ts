// `paketo sbom download`: an image's SBOM layer (CNB-22) written into a folder, as pack does.
export { type SbomDownloadOptions, type SbomDownloadResult, type SbomErrorCode, SbomError, downloadSbom, type ImageSbomResult, writeImageSbom } from "./download.js";
