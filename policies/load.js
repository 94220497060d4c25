// Entry of the policy pack (package.json "main"). `pulumi` runs a Node.js pack through
// @pulumi/pulumi's run-policy-pack, which registers ts-node with type checking and its default
// compiler options: the pack took 5-7.5 s to start that way, 2.6 s this way. The pack is
// type-checked by `npm run typecheck` instead; tsx (a dev dependency, as for the tests and the
// local platform's daemons) only transpiles it, and its hook replaces ts-node's for .ts files.
require("tsx/cjs");
require("./index.ts");
