// Module direction (see docs/architecture.md):
//   cli -> platform -> lifecycle/buildpack-api/stack/deps -> oci -> errors
// A module is a top-level folder of src/. Other modules are reached only through their index.ts.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "errors-is-the-bottom",
      severity: "error",
      comment: "src/errors imports no other module",
      from: { path: "^src/errors/" },
      to: { path: "^src/(?!errors/)" },
    },
    {
      name: "oci-knows-nothing-above-it",
      severity: "error",
      comment: "oci is the image toolkit: it may import errors only",
      from: { path: "^src/oci/" },
      to: { path: "^src/(?!oci/|errors/)" },
    },
    {
      name: "deps-stands-on-oci",
      severity: "error",
      comment: "deps (verified dependency sources: Debian archive, ...) may import errors and oci only",
      from: { path: "^src/deps/" },
      to: { path: "^src/(?!deps/|oci/|errors/)" },
    },
    {
      name: "nothing-imports-cli",
      severity: "error",
      comment: "the CLI is the top; nothing imports it",
      from: { path: "^src/(?!cli/)" },
      to: { path: "^src/cli/" },
    },
    {
      name: "only-through-index",
      severity: "error",
      comment: "another module is imported through its index.ts only, never its internals",
      from: { path: "^src/([^/]+)/" },
      to: { path: "^src/([^/]+)/.+", pathNot: ["^src/$1/", "^src/[^/]+/index\\.ts$"] },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "\\.test\\.ts$|/testing/" },
  },
};
