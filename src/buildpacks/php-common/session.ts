// Session handlers from service bindings (Paketo's php-redis-session-handler and
// php-memcached-session-handler): a binding of type `php-redis-session` / `php-memcached-session`
// at build makes an ini file that stores PHP's sessions there, and asks php-dist for the
// extension (Debian's php8.4-redis / php8.4-memcached).
import { join } from "node:path";
import { defineBuildpack, fail, layerEnv, pass, type Binding } from "../../buildpack-api/index.js";
import { configLayer } from "./config-layer.js";
import { PhpError } from "./errors.js";

export type SessionKind = "redis" | "memcached";

const q = (v: string) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** The ini text for a binding's entries. */
export function sessionIni(kind: SessionKind, b: Pick<Binding, "name" | "entries">): string {
  const e = (k: string) => b.entries[k]?.trim() || undefined;
  if (kind === "redis") {
    const host = e("host") ?? e("hostname") ?? "127.0.0.1";
    const port = e("port") ?? "6379";
    if (!/^\d+$/.test(port)) throw new PhpError("PHP_CONFIG", `binding ${b.name}: port ${JSON.stringify(port)} is not a number`);
    const password = e("password");
    const path = `tcp://${host}:${port}${password ? `?auth=${encodeURIComponent(password)}` : ""}`;
    return `; sessions in Redis (binding ${b.name})\nsession.save_handler = redis\nsession.save_path = ${q(path)}\n`;
  }
  const servers = e("servers") ?? e("host") ?? "127.0.0.1";
  const lines = [`; sessions in memcached (binding ${b.name})`, "session.save_handler = memcached", `session.save_path = ${q(servers)}`];
  const user = e("username");
  const password = e("password");
  if (user || password) lines.push("memcached.sess_binary_protocol = On", `memcached.sess_sasl_username = ${q(user ?? "")}`, `memcached.sess_sasl_password = ${q(password ?? "")}`);
  return `${lines.join("\n")}\n`;
}

export const sessionHandler = (kind: SessionKind) =>
  defineBuildpack({
    detect: async (ctx) => {
      const type = `php-${kind}-session`;
      if (!ctx.platform.bindings.some((b) => b.type === type)) return fail(`no binding of type ${type}`);
      return pass({ provides: [], requires: [{ name: "php", metadata: { launch: true, extensions: [kind] } }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const type = `php-${kind}-session`;
      const found = ctx.platform.bindings.filter((b) => b.type === type);
      if (found.length > 1) throw new PhpError("PHP_CONFIG", `${found.length} bindings of type ${type} (${found.map((b) => b.name).join(", ")}): PHP stores sessions in one place`);
      const binding = found[0];
      if (!binding) return {};
      const text = sessionIni(kind, binding);
      const name = `php-${kind}-session`;
      const dir = await configLayer(ctx, name, {
        files: () => ({ [`${name}.ini`]: { text } }),
        env: (p) => layerEnv().append("PHP_INI_SCAN_DIR", p, { delim: ":" }),
      });
      log.process(`Configuring PHP sessions in ${kind === "redis" ? "Redis" : "memcached"} from binding ${binding.name}`);
      log.subprocess(`${join(dir, `${name}.ini`)} (on PHP_INI_SCAN_DIR)`);
      return {};
    },
  });
