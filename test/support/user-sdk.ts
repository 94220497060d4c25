// Which @pulumi/pulumi a user's project gets in the tests that install the packed package: the
// repository's own (the newest, by default) or, with PROGRESSIVE_TEST_PULUMI_SDK=oldest, the
// oldest release the package's peer range allows, so that the range is a tested promise. An
// exact version is taken as it is.

import * as fs from "node:fs";
import * as path from "node:path";

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as {
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The lowest version a caret or `>=` range admits ("^3.204.0" -> "3.204.0"). */
export function rangeFloor(range: string): string {
  const m = /^\s*(?:\^|~|>=\s*)?(\d+\.\d+\.\d+)\s*$/.exec(range);
  if (!m?.[1]) throw new Error(`peer range "${range}" is not a single caret, tilde or >= range`);
  return m[1];
}

export function userPulumiSdk(): string {
  const asked = process.env.PROGRESSIVE_TEST_PULUMI_SDK?.trim();
  const newest = pkg.devDependencies["@pulumi/pulumi"] as string;
  if (!asked || asked === "newest") return newest;
  if (asked === "oldest") return rangeFloor(pkg.peerDependencies["@pulumi/pulumi"] as string);
  if (/^\d+\.\d+\.\d+$/.test(asked)) return asked;
  throw new Error(
    `PROGRESSIVE_TEST_PULUMI_SDK="${asked}" is not "oldest", "newest" or a version such as 3.204.0`,
  );
}

/** Every copy of @pulumi/pulumi installed under a project, as "path@version". */
export function sdkCopies(project: string): string[] {
  const found: string[] = [];
  const visit = (dir: string): void => {
    const modules = path.join(dir, "node_modules");
    if (!fs.existsSync(modules)) return;
    for (const entry of fs.readdirSync(modules)) {
      const dirs = entry.startsWith("@")
        ? fs.readdirSync(path.join(modules, entry)).map((e) => path.join(modules, entry, e))
        : [path.join(modules, entry)];
      for (const d of dirs) {
        if (path.relative(modules, d) === path.join("@pulumi", "pulumi")) {
          const v = (JSON.parse(fs.readFileSync(path.join(d, "package.json"), "utf8")) as { version: string })
            .version;
          found.push(`${path.relative(project, d)}@${v}`);
        }
        visit(d);
      }
    }
  };
  visit(project);
  return found;
}

/**
 * Asserts that a user's project holds exactly the SDK asked for, once (a second copy nested under a
 * dependency would mean the peer range promises a version the package's own dependencies refuse),
 * and says which runtime and SDK the test ran on.
 */
export function expectOneSdk(project: string): string {
  const want = userPulumiSdk();
  const copies = sdkCopies(project);
  const line = `node ${process.version}, @pulumi/pulumi ${want} in the user's project`;
  if (copies.length !== 1 || copies[0] !== `${path.join("node_modules", "@pulumi", "pulumi")}@${want}`) {
    throw new Error(`${line}: expected that one copy, found ${copies.join(", ") || "none"}`);
  }
  return line;
}
