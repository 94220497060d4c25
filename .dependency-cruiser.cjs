// Import rules of docs/architecture.md, checked by `npm run lint`. Type-only imports count: a cycle
// of types is still two modules that cannot be read, moved or tested apart.
const PLATFORMS = "(local|kubernetes|aws|azure|gcp|flags)";
/** Code that must name no platform: it reaches platforms only through automation/platforms/index.ts. */
const GENERIC = "^automation/(driver|cli|history|store|mcp|pipeline|dashboard)/|^automation/cli[.]ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "Break a cycle with a shared types module or by moving the shared code down a layer.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "generic-code-names-no-platform",
      comment:
        "The driver, CLI, history and store reach a platform through automation/platforms (the registry).",
      severity: "error",
      from: { path: GENERIC },
      to: { path: [`^components/${PLATFORMS}/`, `^automation/platforms/${PLATFORMS}/`] },
    },
    {
      name: "driver-uses-routers-through-the-registry",
      comment:
        "A platform's router or builtin metrics are the platform module's to choose, not the driver's.",
      severity: "error",
      from: { path: "^automation/(driver|cli|history)/|^automation/cli[.]ts$" },
      to: {
        path: [`^automation/routers/${PLATFORMS}/`, "^automation/metrics/builtin-(aws|azure|gcp)[.]ts$"],
      },
    },
    {
      name: "platforms-stay-apart",
      comment: "One platform module never imports another's; what they share lives a layer down.",
      severity: "error",
      from: { path: `^automation/platforms/${PLATFORMS}/` },
      to: { path: `^automation/platforms/${PLATFORMS}/`, pathNot: "^automation/platforms/$1/" },
    },
    {
      name: "platform-code-imports-its-own-components",
      comment:
        "A platform's routers and module may use its own components' encodings, never another platform's.",
      severity: "error",
      from: { path: "^automation/(routers|platforms)/(local|kubernetes|aws|azure|gcp)/" },
      to: { path: "^components/(local|kubernetes|aws|azure|gcp)/", pathNot: "^components/$2/" },
    },
    {
      name: "flag-code-imports-no-platform-components",
      comment:
        "The flag stores are read through core's flag encodings; a store that lives on a platform (the local flag file) is that platform's router.",
      severity: "error",
      from: { path: "^automation/(routers|platforms)/flags/" },
      to: { path: "^components/(local|kubernetes|aws|azure|gcp)/" },
    },
    {
      name: "components-import-no-automation",
      comment: "The library is usable without the driver: components/ imports nothing from automation/.",
      severity: "error",
      from: { path: "^components/" },
      to: { path: "^automation/" },
    },
    {
      name: "core-imports-no-platform",
      comment: "components/core is the platform-neutral model: pure, no platform, no processes.",
      severity: "error",
      from: { path: "^components/core/" },
      to: { path: "^components/", pathNot: "^components/core/" },
    },
    {
      name: "examples-import-the-published-names",
      comment:
        "An example is a user's program: it imports pulumi-progressive-delivery[/<subpath>] (tsconfig paths map them here), never ../../components.",
      severity: "error",
      from: { path: "^examples/" },
      to: { path: "^(components|automation|policies)/", dependencyTypesNot: ["aliased-tsconfig-paths"] },
    },
    {
      name: "library-imports-no-tests-or-tools",
      comment: "What is published imports nothing from test/, harness/ or scripts/.",
      severity: "error",
      from: { path: "^(components|automation|policies)/" },
      to: { path: "^(test|harness|scripts)/" },
    },
    {
      name: "tool-plumbing-under-the-harness",
      comment:
        "scripts/ (engine, cluster, tool cache) is below harness/; only its harness users (bench, demo) import it.",
      severity: "error",
      from: { path: "^scripts/", pathNot: "^scripts/(bench/|demo[.]ts$)" },
      to: { path: "^harness/" },
    },
    {
      name: "harness-imports-no-bench",
      comment: "The harness serves tests and benchmarks; it never imports a benchmark.",
      severity: "error",
      from: { path: "^harness/" },
      to: { path: "^scripts/bench/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist)/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: [".ts", ".js", ".cjs", ".json"] },
    cache: false,
  },
};
