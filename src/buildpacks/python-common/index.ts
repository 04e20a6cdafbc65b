// Shared by the Python buildpacks (cpython, pip, pip-install, pipenv-install, poetry-install, uv,
// python-start): errors, running tools, reproducible bytecode, version specs, installed
// distributions for the SBOM.
export { PythonError, type PythonErrorCode } from "./errors.js";
export { run, toolEnv, type RunOptions } from "./exec.js";
export { compileBytecode } from "./bytecode.js";
export { CPYTHON_BY_RELEASE, chooseMinor, normaliseSpec, pipfileVersion, pyprojectVersion, pythonVersionFile, runtimeTxt, type VersionRequest } from "./version.js";
export { venvLayer, type VenvLayerOptions } from "./packages.js";
export { installTool, type ToolOptions } from "./tool.js";
export { pythonFacts, type PythonFacts } from "./python.js";
export { installedDistributions, distributionsSbom, type Distribution } from "./distributions.js";
