// The rebaser (CNB-54). See src/lifecycle/export/README.md.
export { rebase, rebaseImage, targetSatisfiedForRebase, type RebaseInputs, type RebaseOptions, type RebaseResult } from "./rebase.js";
export { RebaseError, REBASE_EXIT_CODE, type RebaseErrorCode } from "./errors.js";
