import { createServer } from "node:http";
import pc from "picocolors";

const port: number = Number(process.env.PORT ?? 8080);

createServer((_req, res) => {
  res.end(`Hello from paketo: Node.js ${process.version}, compiled from TypeScript\n`);
}).listen(port, () => console.log(pc.green(`listening on ${port}`)));
