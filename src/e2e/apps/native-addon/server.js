const http = require("node:http");
const { add } = require("./build/Release/adder.node");
http.createServer((_req, res) => res.end(`native-addon ok 2+3=${add(2, 3)}\n`)).listen(Number(process.env.PORT ?? 8080));
