import { createServer } from "node:http";

function typescriptInstalled(): string {
  try {
    require.resolve("typescript");
    return "present";
  } catch {
    return "absent";
  }
}

const port: number = Number(process.env.PORT ?? 8080);
createServer((_req, res) => res.end(`typescript ok compiler=${typescriptInstalled()}\n`)).listen(port);
