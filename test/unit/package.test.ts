// What package.json promises against what the build makes: every export, typesVersions entry and
// the bin name a file that tsconfig.build.json emits (asked of TypeScript, without building), and
// `files` ships the licence and the policy pack's runtime. The packed tarball itself is installed
// and used in test/engine/package.test.ts.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { PACKAGE_NAME } from "../../components";

const root = path.join(__dirname, "..", "..");

interface Entry {
  readonly types: string;
  readonly default: string;
}

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  readonly main: string;
  readonly types: string;
  readonly exports: Record<string, Entry | string>;
  readonly typesVersions: Record<string, Record<string, string[]>>;
  readonly bin: Record<string, string>;
  readonly files: string[];
  readonly scripts: Record<string, string>;
  readonly dependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
  readonly peerDependencies: Record<string, string>;
  readonly peerDependenciesMeta: Record<string, { optional?: boolean }>;
}

const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as PackageJson;

/** The files `tsc -p tsconfig.build.json` writes, relative to the package root. */
function buildOutputs(): { outputs: Set<string>; sources: string[] } {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, "tsconfig.build.json"), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  });
  assert.ok(config, "tsconfig.build.json parses");
  assert.deepEqual(config.errors, []);
  const outputs = new Set(
    config.fileNames
      .flatMap((f) => ts.getOutputFileNames(config, f, false))
      .map((f) => path.relative(root, f)),
  );
  return { outputs, sources: config.fileNames.map((f) => path.relative(root, f)) };
}

/** "./dist/a/b.js" -> "dist/a/b.js" */
const rel = (p: string) => path.posix.normalize(p);

describe("package", () => {
  let outputs: Set<string>;
  let sources: string[];
  before(() => {
    ({ outputs, sources } = buildOutputs());
  });
  const subpaths = Object.keys(pkg.exports).filter((k) => k !== "./package.json");

  it("exports its name from the public entry point", () => {
    assert.equal(PACKAGE_NAME, pkg.name);
  });

  it("exports the library, each platform, the driver and its MCP server", () => {
    assert.deepEqual(subpaths.sort(), [
      ".",
      "./automation",
      "./aws",
      "./azure",
      "./gcp",
      "./kubernetes",
      "./local",
      "./mcp",
    ]);
    assert.equal(pkg.exports["./package.json"], "./package.json");
  });

  it("points every export at a declaration file and a module the build emits", () => {
    for (const key of subpaths) {
      const entry = pkg.exports[key] as Entry;
      assert.deepEqual(Object.keys(entry), ["types", "default"], `${key}: types must come first`);
      assert.ok(outputs.has(rel(entry.types)), `${key}: the build emits no ${entry.types}`);
      assert.ok(outputs.has(rel(entry.default)), `${key}: the build emits no ${entry.default}`);
      assert.equal(entry.types.replace(/\.d\.ts$/, ""), entry.default.replace(/\.js$/, ""), key);
    }
    const root = pkg.exports["."] as Entry;
    assert.equal(rel(pkg.main), rel(root.default));
    assert.equal(rel(pkg.types), rel(root.types));
  });

  it("maps every subpath in typesVersions, for consumers on moduleResolution node10", () => {
    const map = pkg.typesVersions["*"] ?? {};
    const expected = Object.fromEntries(
      subpaths.filter((k) => k !== ".").map((k) => [k.slice(2), [rel((pkg.exports[k] as Entry).types)]]),
    );
    assert.deepEqual(map, expected);
  });

  it("has a bin the build emits from a source that starts with a shebang", () => {
    assert.deepEqual(Object.keys(pkg.bin), ["progressive"]);
    const bin = rel(pkg.bin.progressive as string);
    assert.ok(outputs.has(bin), `the build emits no ${bin}`);
    const source = bin.replace(/^dist\//, "").replace(/\.js$/, ".ts");
    assert.match(fs.readFileSync(path.join(root, source), "utf8"), /^#!\/usr\/bin\/env node\n/);
  });

  it("builds no test files, and ships none", () => {
    assert.deepEqual(
      sources.filter((s) => /\.test\.ts$|^test\//.test(s)),
      [],
    );
    assert.ok(pkg.files.includes("!dist/**/*.test.*"));
  });

  it("ships the licence, the readme, the build and the policy pack's runtime files", () => {
    for (const f of [
      "dist",
      "README.md",
      "LICENSE",
      "policies/PulumiPolicy.yaml",
      "policies/package.json",
      "policies/load.js",
      "policies/config/*.json",
      "policies/README.md",
    ]) {
      assert.ok(pkg.files.includes(f), `files lacks ${f}`);
    }
    assert.equal(
      pkg.files.some((f) => /^policies\/.*\.ts$|^policies\/?$|^policies\/\*\*?$/.test(f)),
      false,
      "the pack's TypeScript must not ship: load.js would try tsx, which users do not have",
    );
    const policyPkg = JSON.parse(fs.readFileSync(path.join(root, "policies", "package.json"), "utf8"));
    assert.equal(policyPkg.main, "load.js");
    // `pulumi preview` names the pack by this version (progressive-delivery@v0.1.0).
    assert.equal(policyPkg.version, pkg.version, "policies/package.json keeps the package's version");
    const load = fs.readFileSync(path.join(root, "policies", "load.js"), "utf8");
    const built = /require\("\.\.\/(dist\/policies\/index)\.js"\)/.exec(load)?.[1];
    assert.ok(built && outputs.has(`${built}.js`), "load.js must load the built pack from dist/policies");
    assert.ok(fs.readdirSync(path.join(root, "policies", "config")).some((f) => f.endsWith(".json")));
  });

  it("ships the Apache License 2.0 its license field names", () => {
    assert.equal(pkg.license, "Apache-2.0");
    const text = fs.readFileSync(path.join(root, "LICENSE"), "utf8");
    assert.match(text, /^\s+Apache License\n\s+Version 2\.0, January 2004\n/);
    assert.match(text, /END OF TERMS AND CONDITIONS/);
    assert.match(text, /limitations under the License\.\n$/);
    for (let section = 1; section <= 9; section++) assert.match(text, new RegExp(`\n {3}${section}. [A-Z]`));
    assert.match(text, /Copyright 2026 The pulumi-progressive-delivery authors/);
  });

  it("builds a fresh dist before packing", () => {
    assert.match(pkg.scripts.prepack ?? "", /npm run clean && npm run build/);
    assert.match(pkg.scripts.build ?? "", /tsc -p tsconfig\.build\.json/);
  });

  it("declares the cloud SDKs as optional peers at the versions it is tested with", () => {
    for (const sdk of [
      "@aws-sdk/client-cloudwatch",
      "@azure/monitor-query",
      "@google-cloud/monitoring",
      "@pulumi/kubernetes",
      "@kubernetes/client-node",
      "@aws-sdk/client-s3",
      "@azure/storage-blob",
      "@google-cloud/storage",
    ]) {
      assert.equal(pkg.peerDependenciesMeta[sdk]?.optional, true, `${sdk} is an optional peer`);
      const range = pkg.peerDependencies[sdk] ?? "";
      const tested = pkg.devDependencies[sdk] ?? "";
      assert.match(range, /^\^\d/, `${sdk}: a caret range`);
      assert.equal(range.slice(1).split(".")[0], tested.split(".")[0], `${sdk}: same major as tested`);
    }
    assert.equal(pkg.peerDependenciesMeta["@pulumi/pulumi"], undefined, "@pulumi/pulumi is a required peer");
    for (const dep of ["zod", "yaml", "@pulumi/policy"]) assert.ok(pkg.dependencies[dep], dep);
  });
});
