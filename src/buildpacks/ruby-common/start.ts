// The Ruby start buildpacks (puma, thin, unicorn, rackup, rake): each passes when the app uses its
// server (Paketo's detection) and sets the `web` process (`rake` for rake) as Paketo's does, run
// through bash -c so ${PORT:-...} is expanded at launch. A Procfile's `web` wins: procfile comes
// later in the group and replaces the process type.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { defineBuildpack, fail, pass, type Process } from "../../buildpack-api/index.js";
import { gemsOf } from "./gemfile.js";

export type Server = "puma" | "thin" | "unicorn" | "rackup" | "rake";

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

const RAKEFILES = ["Rakefile", "rakefile", "Rakefile.rb", "rakefile.rb"];

/** rackup's port: config.ru's `#\ -p N` line, else 9292. */
async function rackupPort(appDir: string): Promise<string> {
  const ru = await readFile(join(appDir, "config.ru"), "utf8").catch(() => "");
  return /^#\\.*?(?:-p|--port)\s+(\d+)/m.exec(ru)?.[1] ?? "9292";
}

export async function startCommand(server: Server, appDir: string, env: Readonly<Record<string, string | undefined>>, hasGem: boolean): Promise<string> {
  switch (server) {
    case "puma":
      return 'bundle exec puma --bind "tcp://0.0.0.0:${PORT:-9292}"';
    case "thin": {
      const conf = env.BP_THIN_CONFIG_LOCATION?.trim();
      return `bundle exec thin${conf ? ` -C ${conf}` : ""} -p "\${PORT:-3000}" start`;
    }
    case "unicorn":
      return 'bundle exec unicorn --listen "0.0.0.0:${PORT:-8080}"';
    case "rackup":
      return `bundle exec rackup --env production --host 0.0.0.0 -p "\${PORT:-${await rackupPort(appDir)}}"`;
    case "rake":
      return hasGem ? "bundle exec rake" : "rake";
  }
}

export const rubyStart = (server: Server) =>
  defineBuildpack({
    detect: async (ctx) => {
      const gems = await gemsOf(ctx.appDir);
      const ru = await exists(join(ctx.appDir, "config.ru"));
      switch (server) {
        case "puma":
        case "thin":
          if (!gems.has(server)) return fail(`the Gemfile does not name the ${server} gem`);
          break;
        case "unicorn":
          if (!ru || !gems.has("unicorn")) return fail("no config.ru with the unicorn gem");
          break;
        case "rackup":
          if (!ru) return fail("no config.ru");
          break;
        case "rake":
          if (!(await Promise.all(RAKEFILES.map((f) => exists(join(ctx.appDir, f))))).some(Boolean)) return fail("no Rakefile");
          break;
      }
      const gemfile = await exists(join(ctx.appDir, "Gemfile"));
      return pass({ requires: [{ name: "mri", metadata: { launch: true } }, ...(gemfile ? [{ name: "gems", metadata: { launch: true } }] : [])] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const gems = await gemsOf(ctx.appDir);
      const command = await startCommand(server, ctx.appDir, ctx.env, gems.has(server));
      const type = server === "rake" ? "rake" : "web";
      const processes: Process[] = [{ type, command: ["bash", "-c", command, type], default: true }];
      log.process("Assigning launch processes:");
      log.subprocess(`${type} (default): ${command}`);
      log.break();
      return { processes };
    },
  });
