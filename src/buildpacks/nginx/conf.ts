// nginx configurations as paketo runs them: the app's templates (`{{port}}`, `{{env "X"}}`,
// `{{module "name"}}`, as Paketo's nginx buildpack renders them), what an unprivileged server needs
// added to them, and the configuration generated from BP_WEB_SERVER* settings. Pure text work.
import { WebServerError } from "../web-server-common/errors.js";
import type { GeneratedConfig } from "../web-server-common/settings.js";

/** Where the launch-time rendering writes, and where nginx keeps its pid and temporary files. */
export const RUN_DIR = "/tmp/paketo-nginx";

/** The template actions rendered at launch, and `module`, resolved at build. */
const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/g;
const KNOWN = /^(port|tempDir|env\s+"[A-Za-z_][A-Za-z0-9_]*"|module\s+"[A-Za-z0-9_.-]+")$/;

/** The text with `#` comments (outside quotes) blanked out, for finding directives; every offset is kept. */
export function stripComments(text: string): string {
  return text
    .split("\n")
    .map((line) => {
      let quote: string | undefined;
      for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (quote) {
          if (c === "\\") i++;
          else if (c === quote) quote = undefined;
        } else if (c === '"' || c === "'") quote = c;
        else if (c === "#") return line.slice(0, i) + " ".repeat(line.length - i);
      }
      return line;
    })
    .join("\n");
}

/** Every template action must be one paketo renders; otherwise an error naming the file and line. */
export function checkActions(text: string, file: string): void {
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    for (const m of line.matchAll(ACTION)) {
      if (!KNOWN.test(m[1] as string)) {
        throw new WebServerError("WEB_SERVER_TEMPLATE", `${file}:${i + 1}: ${m[0]} is not a template action paketo renders`, {
          hint: 'use {{port}}, {{env "NAME"}}, {{module "ngx_name_module"}} or {{tempDir}}',
        });
      }
    }
  }
}

/** The names of the modules `{{module "..."}}` asks for. */
export function modulesOf(text: string): string[] {
  return [...text.matchAll(/\{\{-?\s*module\s+"([A-Za-z0-9_.-]+)"\s*-?\}\}/g)].map((m) => m[1] as string);
}

/** `{{module "x"}}` → `load_module <path>;`, with the path `where(x)` gives. */
export function resolveModules(text: string, where: (name: string) => string): string {
  return text.replace(/\{\{-?\s*module\s+"([A-Za-z0-9_.-]+)"\s*-?\}\}/g, (_, name: string) => `load_module ${where(name)};`);
}

/** Environment variables the templates read (`{{env "X"}}`). */
export function envOf(text: string): string[] {
  return [...text.matchAll(/\{\{-?\s*env\s+"([A-Za-z_][A-Za-z0-9_]*)"\s*-?\}\}/g)].map((m) => m[1] as string);
}

/** The Debian package of a dynamic module: `ngx_stream_module` → `libnginx-mod-stream`. */
export function modulePackage(name: string): string | undefined {
  const m = /^ngx_(.+)_module$/.exec(name);
  return m ? `libnginx-mod-${(m[1] as string).replaceAll("_", "-")}` : undefined;
}

/** `include foo.conf;` and `include conf.d/*.conf;` (relative to the configuration's folder): what Paketo renders too. */
export function includedConfs(text: string): string[] {
  return [...stripComments(text).matchAll(/(?:^|[\s;{}])include\s+("?)([^\s;"]+\.conf)\1\s*;/g)].map((m) => m[2] as string);
}

const TEMP_PATHS = ["client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path"] as const;

/** `client_body_temp_path /tmp/paketo-nginx/client_body;`: writable by the image's user. */
function tempPath(directive: (typeof TEMP_PATHS)[number]): string {
  return `${directive} ${RUN_DIR}/${directive.replace(/_temp_path$/, "")};`;
}

function sets(texts: readonly string[], directive: string): boolean {
  const re = new RegExp(`(^|[\\s;{}])${directive}\\s`);
  return texts.some((t) => re.test(stripComments(t)));
}

/**
 * What an unprivileged nginx needs that the configuration leaves to Debian's compiled-in defaults
 * (paths under /var, which only root may write): temp paths and an access log, added at the top
 * of the `http` block. Returns the texts with the block amended (the one file that has it).
 */
export function addUnprivilegedDefaults(files: ReadonlyArray<{ rel: string; text: string }>): { files: Array<{ rel: string; text: string }>; added: string[] } {
  const texts = files.map((f) => f.text);
  const lines: string[] = [];
  for (const d of TEMP_PATHS) if (!sets(texts, d)) lines.push(tempPath(d));
  if (!sets(texts, "access_log")) lines.push("access_log /dev/stdout;");
  if (lines.length === 0) return { files: [...files], added: [] };
  const out = files.map((f) => ({ ...f }));
  for (const f of out) {
    const m = /(^|[\s;}])http\s*\{/.exec(stripComments(f.text));
    if (!m) continue;
    const at = m.index + m[0].length;
    // On the line of `http {`, so nginx's messages keep the app's line numbers.
    f.text = `${f.text.slice(0, at)} ${lines.join(" ")}${f.text.slice(at)}`;
    return { files: out, added: lines };
  }
  return { files: out, added: [] };
}

/** The `-g` directives: a foreground server and its pid file, unless the configuration sets them. */
export function globalDirectives(texts: readonly string[]): string {
  const g: string[] = [];
  if (!sets(texts, "daemon")) g.push("daemon off;");
  if (!sets(texts, "pid")) g.push(`pid ${RUN_DIR}/nginx.pid;`);
  return g.join(" ");
}

/** nginx.conf for BP_WEB_SERVER=nginx (Paketo's zero-configuration settings), a template itself. */
export function generateConf(c: GeneratedConfig, opts: { mimeTypes: string; stubStatusPort: number | undefined }): string {
  const loc = c.locationPath.endsWith("/") ? c.locationPath : `${c.locationPath}/`;
  const server: string[] = [
    "    listen {{port}} default_server;",
    "    server_name _;",
    `    root ${quote(c.root)};`,
  ];
  if (c.forceHttps) {
    server.push(
      "",
      "    # BP_WEB_SERVER_FORCE_HTTPS: plain HTTP is redirected (X-Forwarded-Proto as a proxy sets it)",
      '    if ($http_x_forwarded_proto != "https") {',
      "      return 301 https://$host$request_uri;",
      "    }",
    );
  }
  if (c.basicAuth) {
    server.push(
      "",
      `    # the htpasswd binding ${c.basicAuth.binding}, read at launch from the service binding root`,
      '    auth_basic "Restricted";',
      `    auth_basic_user_file {{env "SERVICE_BINDING_ROOT"}}/${c.basicAuth.binding}/.htpasswd;`,
    );
  }
  server.push("", `    location ${c.locationPath} {`, "      index index.html index.htm;");
  if (c.pushState) server.push("      # BP_WEB_SERVER_ENABLE_PUSH_STATE: paths that are no file are the app's routes", `      try_files $uri $uri/ ${loc}index.html;`);
  server.push("    }", "", "    # dotfiles stay private, except .well-known", "    location ~ /\\.(?!well-known) {", "      return 404;", "    }");
  if (c.includeFile) server.push("", `    include ${quote(c.includeFile)};`);
  const stub =
    opts.stubStatusPort === undefined
      ? []
      : ["", "  # BP_NGINX_STUB_STATUS_PORT", "  server {", `    listen ${opts.stubStatusPort};`, "    location /stub_status {", "      stub_status;", "    }", "  }"];
  return [
    "# Generated by paketo's nginx buildpack from the BP_WEB_SERVER* settings.",
    "worker_processes auto;",
    "daemon off;",
    "error_log stderr;",
    "",
    "events {",
    "  worker_connections 1024;",
    "}",
    "",
    "http {",
    ...TEMP_PATHS.map((d) => `  ${tempPath(d)}`),
    `  include ${quote(opts.mimeTypes)};`,
    "  default_type application/octet-stream;",
    "  charset utf-8;",
    "  access_log /dev/stdout;",
    "  sendfile on;",
    "  tcp_nopush on;",
    "  keepalive_timeout 30;",
    "  port_in_redirect off;",
    "  server_tokens off;",
    "  gzip on;",
    "  gzip_static on;",
    "  gzip_proxied any;",
    "  gzip_vary on;",
    "  gzip_min_length 1100;",
    "  gzip_types text/plain text/css text/xml text/javascript application/javascript application/json application/xml image/svg+xml;",
    "",
    "  server {",
    ...server,
    "  }",
    ...stub,
    "}",
    "",
  ].join("\n");
}

function quote(path: string): string {
  return /^[\w./@+-]+$/.test(path) ? path : `"${path.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/**
 * The exec.d program that renders the templates at launch: POSIX sh and awk (the run image's), so
 * it needs no Node.js. `{{port}}` is $PORT, `{{env "X"}}` is $X, `{{tempDir}}` is /tmp. Rendered
 * files go to RUN_DIR (or the folder given as $1: the build's own test uses that).
 */
export function renderScript(templates: ReadonlyArray<{ template: string; rel: string }>): string {
  const pairs = templates.map((t) => `render ${shq(t.template)} ${shq(t.rel)}`).join("\n");
  return `#!/bin/sh
# Renders the nginx configuration templates for this launch (paketo's nginx buildpack).
set -eu
out="\${1:-${RUN_DIR}}"
mkdir -p "$out"
render() {
  dest="$out/$2"
  mkdir -p "\${dest%/*}"
  awk '
    {
      line = $0; done = ""
      while (match(line, /\\{\\{-?[ \\t]*(port|tempDir|env[ \\t]+"[A-Za-z_][A-Za-z0-9_]*")[ \\t]*-?\\}\\}/)) {
        tok = substr(line, RSTART, RLENGTH)
        done = done substr(line, 1, RSTART - 1)
        if (tok ~ /^\\{\\{-?[ \\t]*port/) val = ENVIRON["PORT"]
        else if (tok ~ /^\\{\\{-?[ \\t]*tempDir/) val = "/tmp"
        else { name = tok; sub(/^[^"]*"/, "", name); sub(/".*$/, "", name); val = ENVIRON[name] }
        done = done val
        line = substr(line, RSTART + RLENGTH)
      }
      print done line
    }' "$1" > "$dest.tmp"
  mv "$dest.tmp" "$dest"
}
${pairs}
`;
}

function shq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
