const express = require("express");

const app = express();
const port = Number(process.env.PORT ?? 8080);

app.get("/", (_req, res) => {
  res.send(`Hello from paketo: Node.js ${process.version}, Express ${require("express/package.json").version}\n`);
});

app.listen(port, () => console.log(`listening on ${port}`));
