// paketo's no-dependency example: a Node.js HTTP server on $PORT, no package.json.
const http = require("node:http");

const port = Number(process.env.PORT ?? 8080);

http
  .createServer((_req, res) => res.end(`Hello from paketo: Node.js ${process.version}, no dependencies\n`))
  .listen(port, () => console.log(`listening on ${port}`));
