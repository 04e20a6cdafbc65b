// The CNB view of an image for `paketo inspect`: pure functions of the image config (CNB-47).
export {
  type CnbBaseImage,
  type CnbBuildpack,
  type CnbImageDescription,
  type CnbLauncher,
  type CnbProcess,
  type CnbRunImage,
  type ImageConfigView,
  baseImageLabels,
  defaultProcessType,
  describeCnbImage,
  envValue,
  isCnbImage,
  processCommandLine,
} from "./describe.js";
