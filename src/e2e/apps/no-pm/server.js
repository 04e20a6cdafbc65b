const http = require("node:http");
const port = Number(process.env.PORT ?? 8080);
http
  .createServer((_req, res) => res.end(`no-pm ok node=${process.version} uid=${process.getuid()} env=${process.env.NODE_ENV}\n`))
  .listen(port);
