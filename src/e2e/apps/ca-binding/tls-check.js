// Starts an HTTPS server with a certificate signed by the bound CA (tls/, written by the test) and
// connects to it with Node's default trust store: it succeeds only if the CA is trusted.
const https = require("node:https");
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

function check() {
  return new Promise((resolve) => {
    const server = https.createServer(
      { key: readFileSync(join(__dirname, "tls/server.key")), cert: readFileSync(join(__dirname, "tls/server.crt")) },
      (_req, res) => res.end("ok"),
    );
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      https
        .get({ host: "127.0.0.1", port, servername: "localhost", path: "/" }, (res) => {
          res.resume();
          res.on("end", () => server.close(() => resolve("trusted")));
        })
        .on("error", (e) => server.close(() => resolve(`untrusted: ${e.code ?? e.message}`)));
    });
  });
}

module.exports = { check };
if (require.main === module) {
  check().then((r) => {
    console.log(`build-time TLS check: ${r}`);
    if (r !== "trusted") process.exit(1);
  });
}
