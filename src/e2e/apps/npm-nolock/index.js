const http = require("node:http");
const ms = require("ms");
http.createServer((_req, res) => res.end(`npm-nolock ok ${ms(90000)}\n`)).listen(Number(process.env.PORT ?? 8080));
