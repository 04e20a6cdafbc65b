// The rebaser (CNB-54). See src/lifecycle/README.md.
export { rebase, rebaseImage, type RebaseDeps, targetSatisfiedForRebase, type RebaseInputs, type RebaseOptions, type RebaseResult } from "./rebase.js";
export { RebaseError, type RebaseErrorCode } from "./errors.js";
