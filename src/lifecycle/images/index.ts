// Images as the lifecycle names, chooses, reads and writes them, shared by analyze, export and
// rebase: run image choice among mirrors (CNB-33), target data (CNB-31), how names are recorded
// in labels, reading with "missing" told apart, and writing to every tag (CNB-52).
export { isNotFound, previousMetadata, readImage } from "./read.js";
export { chooseRunImage, digestReference, labelImageName, registryOf, type RunImageChoice, runImageName, targetOf } from "./run-image.js";
export { saveImage, type SaveOptions, writeReport } from "./save.js";
