import { PaketoError } from "../../errors/index.js";

/** Error codes of the image-labels buildpack. */
export type LabelsErrorCode = "LABELS_SYNTAX"; // BP_IMAGE_LABELS cannot be read as key=value pairs

export class LabelsError extends PaketoError {
  declare readonly code: LabelsErrorCode;
  constructor(code: LabelsErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "LabelsError";
  }
}
