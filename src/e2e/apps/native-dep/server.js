// The answer comes from a native addon that a dependency compiled in its install script.
const http = require("node:http");
const { add } = require("native-adder");
http.createServer((_req, res) => res.end(`native-dep ok 2+3=${add(2, 3)}\n`)).listen(Number(process.env.PORT ?? 8080));
