// Shared by the Java buildpacks (jvm, maven, executable-jar, spring-boot): errors, the JAR
// manifest, the Java version an app asks for. Not a buildpack.
export { JavaError, type JavaErrorCode } from "./errors.js";
export { parseManifest, readManifest, type Manifest } from "./manifest.js";
export { javaFeature, JVM_VERSIONS, DEFAULT_JVM_VERSION } from "./version.js";
export { jarComponents, jarPomProperties } from "./jars.js";
