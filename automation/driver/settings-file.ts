// The stack's settings file (`Pulumi.<stack>.yaml`) edited in place, so a traffic write keeps every
// other line (comments included) and costs no CLI call; the CLI is the fallback when the file
// cannot be edited safely.
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";

/**
 * A stack's settings file (`Pulumi.<stack>.yaml`, in the project's `stackConfigDir` when it names
 * one) as a YAML document, or undefined when it is not a plain file the driver can edit safely
 * (missing, unparsable, `config` not a map): then the CLI reads and writes the config.
 */
export function stackSettingsDocument(
  workDir: string,
  stackName: string,
): { file: string; doc: YAML.Document } | undefined {
  try {
    const project = YAML.parse(fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8")) as {
      stackConfigDir?: unknown;
    } | null;
    const dir =
      typeof project?.stackConfigDir === "string" ? path.resolve(workDir, project.stackConfigDir) : workDir;
    const file = path.join(dir, `Pulumi.${stackName.split("/").pop()}.yaml`);
    if (!fs.existsSync(file)) return undefined;
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
    if (doc.errors.length > 0) return undefined;
    const config = doc.get("config");
    if (config !== undefined && config !== null && !YAML.isMap(config)) return undefined;
    return { file, doc };
  } catch {
    return undefined;
  }
}

/** Sets `config.<key>` to `value` in the settings file, every other line kept, written atomically. */
export function writeConfigValue(
  local: { file: string; doc: YAML.Document },
  key: string,
  value: unknown,
): void {
  local.doc.setIn(["config", key], local.doc.createNode(value));
  const tmp = `${local.file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, local.doc.toString());
  fs.renameSync(tmp, local.file);
}

/** A `progressive:traffic` value read from the settings file: a map, or JSON in a string. */
export function trafficValue(node: unknown): unknown {
  const v = YAML.isNode(node) ? node.toJSON() : node;
  if (typeof v === "string") {
    try {
      return JSON.parse(v);
    } catch {
      return {};
    }
  }
  return v ?? {};
}
