// Part of `npm run build`: the dashboard's page (HTML and its script, no build step of their own)
// goes beside the compiled server, which serves it from dist/automation/dashboard/page.
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
fs.cpSync(
  path.join(root, "automation", "dashboard", "page"),
  path.join(root, "dist", "automation", "dashboard", "page"),
  {
    recursive: true,
  },
);
