// Entry of the policy pack (package.json "main"), in two places:
// - in this repository, index.ts sits beside this file: tsx (a dev dependency, as for the tests and
//   the local platform's daemons) transpiles it. `pulumi` would otherwise run a Node.js pack through
//   @pulumi/pulumi's ts-node with type checking and its default compiler options: 5-7.5 s to start
//   that way, 2.6 s this way. `npm run typecheck` type-checks the pack instead.
// - in the installed package, only the runtime files of this folder ship (no .ts): the pack is the
//   build in ../dist/policies. @pulumi/policy and @pulumi/pulumi resolve from the user's
//   node_modules, where the package and its peer are installed.
const fs = require("node:fs");
const path = require("node:path");

const source = path.join(__dirname, "index.ts");
if (fs.existsSync(source)) {
  require("tsx/cjs");
  require(source);
} else {
  require("../dist/policies/index.js");
}
