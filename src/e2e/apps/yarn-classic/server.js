const http = require("node:http");
const ms = require("ms");
http.createServer((_req, res) => res.end(`yarn-classic ok ${ms(60000)}\n`)).listen(Number(process.env.PORT ?? 8080));
