const http = require("node:http");
const ms = require("ms");
http.createServer((_req, res) => res.end(`monorepo api ok cwd=${process.cwd()} ${ms(1000)}\n`)).listen(Number(process.env.PORT ?? 8080));
