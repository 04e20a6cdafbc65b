const http = require("node:http");
const greeting = (process.argv.find((a) => a.startsWith("--greeting=")) ?? "--greeting=none").slice(11);
http.createServer((_req, res) => res.end(`${greeting} ok\n`)).listen(Number(process.env.PORT ?? 8080));
