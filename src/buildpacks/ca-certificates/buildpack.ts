// ca-certificates: certificates from bindings of type `ca-certificates` are trusted by the rest of
// the build and, unless BP_EMBED_CERTS=false, by the app at launch (a tiny run image has no shell
// for a runtime helper, so the build-time certificates are baked in by default). A binding given
// only when the container starts is trusted by an exec.d shell helper, added on request.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { defineBuildpack, fail, layerEnv, pass, s } from "../../buildpack-api/index.js";
import { CaCertsError } from "./errors.js";
import { HELPER_NAME, HELPER_SCRIPT } from "./exec-d.js";
import { boundCerts, certBindings, writeTrustStore } from "./trust-store.js";

/** What the buildpack reads from the machine: the system CA bundle of the image it runs in. */
export interface CaCertsDeps {
  /** Where the OS keeps its CA bundle (Debian: /etc/ssl/certs/ca-certificates.crt). */
  systemBundle: string;
}

export const SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

function bool(env: Readonly<Record<string, string>>, name: string): boolean | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new CaCertsError("CA_CERTS_CONFIG", `${name}=${v} is not a boolean`, { hint: "use true or false" });
}

/**
 * Whether to add the runtime helper. It needs a shell in the run image, so it is off unless asked
 * for: BP_ENABLE_RUNTIME_CERT_BINDING=true, or BP_RUNTIME_CERT_BINDING_DISABLED=false given
 * explicitly. BP_RUNTIME_CERT_BINDING_DISABLED=true wins over both (Paketo's precedence).
 */
export function runtimeHelperWanted(env: Readonly<Record<string, string>>): boolean {
  const disabled = bool(env, "BP_RUNTIME_CERT_BINDING_DISABLED");
  if (disabled === true) return false;
  return bool(env, "BP_ENABLE_RUNTIME_CERT_BINDING") ?? disabled === false;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CaCertsError("CA_CERTS_IO", `reading the system CA bundle ${path}: ${(e as Error).message}`, { cause: e });
  }
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export const caCertificates = (deps: CaCertsDeps) =>
  defineBuildpack({
    detect: (ctx) => {
      const bound = certBindings(ctx.platform.bindings).some((b) => Object.keys(b.entries).length > 0);
      if (!bound && !runtimeHelperWanted(ctx.env)) return fail("no binding of type ca-certificates, and the runtime certificate helper is not enabled");
      return pass({ provides: [{ name: "ca-certificates" }], requires: [{ name: "ca-certificates" }] });
    },
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name} ${ctx.buildpack.version}`);
      for (const b of certBindings(ctx.platform.bindings)) {
        if (Object.keys(b.entries).length === 0) ctx.logger.warning(`binding ${b.name} (type ca-certificates) holds no certificate file`);
      }
      const certs = boundCerts(ctx.platform.bindings);
      const embed = bool(ctx.env, "BP_EMBED_CERTS") ?? true;

      if (certs.length > 0) {
        const layer = await ctx.layers.uncached("ca-certificates", { build: true, launch: embed });
        // The build's trust starts from what it trusts now: SSL_CERT_FILE if set, else the system bundle.
        const source = ctx.env.SSL_CERT_FILE || deps.systemBundle;
        let system = await readOptional(source);
        if (system === undefined) ctx.logger.warning(`no system CA bundle at ${source}: the build trusts only the bound certificates through SSL_CERT_FILE`);
        // What Node.js trusts already (NODE_EXTRA_CA_CERTS, e.g. the platform's host trust) stays trusted.
        const nodeExtra = ctx.env.NODE_EXTRA_CA_CERTS && ctx.env.NODE_EXTRA_CA_CERTS !== source ? await readOptional(ctx.env.NODE_EXTRA_CA_CERTS) : undefined;
        if (nodeExtra) system = `${system ?? ""}${system && !system.endsWith("\n") ? "\n" : ""}${nodeExtra}`;
        const paths = await writeTrustStore(layer.path, certs, system);

        let env = layerEnv()
          .override("SSL_CERT_FILE", paths.bundle, { scope: "build" })
          .append("SSL_CERT_DIR", paths.certsDir, { delim: ":", scope: "build" })
          // At build Node.js gets the whole bundle: the bound certificates plus what the build trusted before.
          .override("NODE_EXTRA_CA_CERTS", paths.bundle, { scope: "build" });
        if (embed) {
          // At launch the run image's own bundle stays SSL_CERT_FILE, so a rebase that updates it
          // takes effect; the bound certificates come from the CApath dir and NODE_EXTRA_CA_CERTS.
          env = env
            .default("SSL_CERT_FILE", SYSTEM_BUNDLE, { scope: "launch" })
            .append("SSL_CERT_DIR", paths.certsDir, { delim: ":", scope: "launch" })
            .default("NODE_EXTRA_CA_CERTS", paths.extra, { scope: "launch" });
        }
        await layer.writeEnv(env);
        await layer.write({ certificates: certs.map((c) => c.fingerprint256) });

        ctx.logger.process(`Added ${certs.length} additional CA certificate(s) to the trust store`);
        for (const c of certs) ctx.logger.subprocess(`${c.subject} (${c.from})`);
        ctx.logger.process(embed ? "They are trusted at launch too (BP_EMBED_CERTS=false keeps them to the build)" : "They are trusted during the build only (BP_EMBED_CERTS=false)");
      }

      if (runtimeHelperWanted(ctx.env)) {
        const hash = sha256(HELPER_SCRIPT);
        const helper = await ctx.layers.cached("ca-certificates-helper", {
          launch: true,
          cache: false,
          metadata: s.object({ sha256: s.string() }),
          onRestored: (m) => (m.sha256 === hash ? "keep" : "rebuild"),
        });
        if (helper.state.kind === "empty") {
          await helper.writeExecD([{ name: HELPER_NAME, content: HELPER_SCRIPT }]);
          await helper.write({ sha256: hash });
        }
        ctx.logger.process(`Contributing ${HELPER_NAME}: trusts ca-certificates bindings given at launch (needs /bin/sh in the run image)`);
      }
      return {};
    },
  });
