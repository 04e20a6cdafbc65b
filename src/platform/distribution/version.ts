/** paketo's version, recorded as the builder's creator and lifecycle version (keep in step with package.json). */
export const PAKETO_VERSION = "0.1.0";
