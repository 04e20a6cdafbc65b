import { PaketoError } from "../../errors/index.js";

/** Error codes of the Java buildpacks. */
export type JavaErrorCode =
  | "JAVA_SETTING" // a BP_JVM_* / BP_MAVEN_* / BP_TOMCAT_* setting is malformed or names what is not there
  | "JAVA_VERSION" // no JDK/JRE of the wanted version is available
  | "JAVA_CACERTS" // the JVM's trust store could not be made
  | "JAVA_HELPER" // the launch helper did not compile
  | "JAVA_POM" // pom.xml cannot be read
  | "MAVEN_BUILD" // Maven failed (a compile error, a failing plugin)
  | "MAVEN_ARTIFACT" // no built artifact matches BP_MAVEN_BUILT_ARTIFACT, or several do
  | "JAVA_ARCHIVE"; // a JAR/WAR cannot be read or unpacked

export class JavaError extends PaketoError {
  declare readonly code: JavaErrorCode;
  constructor(code: JavaErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "JavaError";
  }
}
