const express = require("express");
const app = express();
app.get("/", (_req, res) => {
  let dev = "absent";
  try {
    require.resolve("is-number");
    dev = "present";
  } catch {}
  res.send(`npm-lock ok express=${require("express/package.json").version} dev=${dev} uid=${process.getuid()}\n`);
});
app.listen(Number(process.env.PORT ?? 8080));
