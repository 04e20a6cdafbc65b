// Module direction (see docs/architecture.md):
//   cli -> platform -> lifecycle/buildpack-api/stack/deps -> oci -> errors, fs;  buildpack-api -> cnb -> errors
//   buildpack-api/debian (second entry point) -> deps, sbom;  platform -> sign -> oci
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
      name: "fs-is-the-bottom",
      severity: "error",
      comment: "src/fs (atomic writes, temp names, bounded reads, symlink-safe resolution) imports no other module: every module may use it",
      from: { path: "^src/fs/" },
      to: { path: "^src/(?!fs/)" },
    },
    {
      name: "x509-is-a-pure-format",
      severity: "error",
      comment: "src/x509 (OpenSSL's subject-name hash of a certificate) imports no other module and does no I/O",
      from: { path: "^src/x509/" },
      to: { path: "^(src/(?!x509/)|(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|dns|tls|worker_threads|cluster)$)" },
    },
    {
      name: "oci-knows-nothing-above-it",
      severity: "error",
      comment: "oci is the image toolkit: it may import errors only",
      from: { path: "^src/oci/" },
      to: { path: "^src/(?!oci/|errors/|fs/)" },
    },
    {
      name: "deps-stands-on-oci",
      severity: "error",
      comment: "deps (verified dependency sources: Debian archive, ...) may import errors and oci only",
      from: { path: "^src/deps/" },
      to: { path: "^src/(?!deps/|oci/|errors/|fs/)" },
    },
    {
      name: "sbom-is-a-pure-format",
      severity: "error",
      comment:
        "sbom turns values into bytes: it may import errors only, and no I/O (fs, net, processes); its testing.ts runs the validators",
      from: { path: "^src/sbom/", pathNot: "^src/sbom/testing\\.ts$" },
      to: {
        path: "^(src/(?!sbom/|errors/)|(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|dns|tls|worker_threads|cluster)$)",
      },
    },
    {
      name: "stack-stands-on-deps",
      severity: "error",
      comment: "stack (build and run images from Debian packages) may import errors, oci, deps and sbom only",
      from: { path: "^src/stack/" },
      to: { path: "^src/(?!stack/|errors/|fs/|oci/|deps/|sbom/|x509/)" },
    },
    {
      name: "sandbox-stands-on-oci",
      severity: "error",
      comment: "sandbox runs processes in isolation; it may import errors and oci only",
      from: { path: "^src/sandbox/" },
      to: { path: "^src/(?!sandbox/|oci/|errors/|fs/)" },
    },
    {
      name: "cnb-is-pure-spec",
      severity: "error",
      comment: "cnb (CNB file formats and API versions, pure codecs) may import errors only, and no I/O",
      from: { path: "^src/cnb/" },
      to: {
        path: "^(src/(?!cnb/|errors/)|(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|dns|tls|worker_threads|cluster)$)",
      },
    },
    {
      name: "buildpack-api-stands-on-cnb",
      severity: "error",
      comment:
        "buildpack-api (what buildpacks are written on, bundled into every buildpack) may import errors and cnb only; its packaging/index.ts is a second entry point (esbuild) so bundles never include the bundler, and debian/ is another (below)",
      from: { path: "^src/buildpack-api/", pathNot: "^src/buildpack-api/debian/" },
      to: { path: "^src/(?!buildpack-api/(?!debian/)|errors/|fs/|cnb/)" },
    },
    {
      name: "buildpack-api-debian-stands-on-deps",
      severity: "error",
      comment:
        "buildpack-api/debian (Debian packages into a layer, a second entry point) may also import deps, oci and sbom: the verified Debian sources and the SBOM format; nothing in the core imports it",
      from: { path: "^src/buildpack-api/debian/" },
      to: { path: "^src/(?!buildpack-api/|errors/|fs/|cnb/|deps/|oci/|sbom/)" },
    },
    {
      name: "launcher-stands-alone",
      severity: "error",
      comment: "launcher (launch plan codec + the C launcher's build) may import errors only",
      from: { path: "^src/launcher/" },
      to: { path: "^src/(?!launcher/|errors/|fs/)" },
    },
    {
      name: "sign-stands-on-oci",
      severity: "error",
      comment: "sign (cosign-format keys, signatures and attestations stored beside images) may import errors, fs and oci only",
      from: { path: "^src/sign/" },
      to: { path: "^src/(?!sign/|errors/|fs/|oci/)" },
    },
    {
      name: "platform-stands-below-cli",
      severity: "error",
      comment:
        "platform (pack's role: distribution, builds, rebase) may import errors, oci, cnb, sandbox, launcher, sbom, sign, lifecycle, stack, deps and buildpack-api; never cli",
      from: { path: "^src/platform/" },
      to: { path: "^src/(?!platform/|errors/|fs/|oci/|cnb/|sandbox/|launcher/|sbom/|sign/|lifecycle/|stack/|deps/|buildpack-api/)" },
    },
    {
      name: "lifecycle-stands-on-cnb",
      severity: "error",
      comment: "lifecycle (the CNB phases, in-process) may import errors, oci, cnb, sandbox, launcher and sbom only",
      from: { path: "^src/lifecycle/" },
      to: { path: "^src/(?!lifecycle/|errors/|fs/|oci/|cnb/|sandbox/|launcher/|sbom/)" },
    },
    {
      name: "lifecycle-phases-stand-alone",
      severity: "error",
      comment:
        "a lifecycle phase (analyze, detect, restore, build-phase, export, rebase) imports only the lifecycle's shared pieces (env, exec, images, layers-dir, layer-cache, cache, log, errors), never another phase",
      from: { path: "^src/lifecycle/(analyze|detect|restore|build-phase|export|rebase)/" },
      to: { path: "^src/lifecycle/(analyze|detect|restore|build-phase|export|rebase)/", pathNot: "^src/lifecycle/$1/" },
    },
    {
      name: "lifecycle-shared-pieces-know-no-phase",
      severity: "error",
      comment: "the lifecycle's shared pieces are below every phase",
      from: { path: "^src/lifecycle/(?!analyze/|detect/|restore/|build-phase/|export/|rebase/|index\\.ts$)" },
      to: { path: "^src/lifecycle/(analyze|detect|restore|build-phase|export|rebase)/" },
    },
    {
      name: "buildpacks-stand-on-buildpack-api",
      severity: "error",
      comment: "our buildpacks (src/buildpacks) may import errors, cnb, buildpack-api, deps, sbom and oci only: they run in the sandbox, not in the platform",
      from: { path: "^src/buildpacks/" },
      to: { path: "^src/(?!buildpacks/|errors/|fs/|cnb/|buildpack-api/|deps/|sbom/|oci/|x509/)" },
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
      to: { path: "^src/([^/]+)/.+", pathNot: ["^src/$1/", "^src/[^/]+/index\\.ts$", "^src/buildpack-api/packaging/index\\.ts$", "^src/buildpack-api/debian/index\\.ts$"] },
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
