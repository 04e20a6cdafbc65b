const http = require("node:http");
const ms = require("ms");
http.createServer((_req, res) => res.end(`pnpm ok ${ms(60000)}\n`)).listen(Number(process.env.PORT ?? 8080));
