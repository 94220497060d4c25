// Fills a ConfigSource from the files (Pulumi.yaml and stacks/Pulumi.<stack>.yaml) or from the
// running Pulumi program, and resolves it. The program uses `loadFromPulumi`; tests, the release
// driver's planning and `copy an environment` checks use `loadFromFiles`.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { type ConfigSource, resolveStackConfig, type StackConfig } from "./config";

/** Keys whose values are plain strings (every other key holds JSON: objects, numbers, booleans). */
const STRING_KEYS = new Set(["environment", "platform", "slackWebhookUrl", "webhookUrl"]);

/** What Pulumi.yaml says about config: the project name, each key's default, the stack folder. */
export interface ProjectFile {
  readonly name: string;
  readonly defaults: Record<string, unknown>;
  readonly stackConfigDir: string;
}

export function readProjectFile(projectDir: string): ProjectFile {
  const file = path.join(projectDir, "Pulumi.yaml");
  const doc = parseYaml(fs.readFileSync(file, "utf8")) as {
    name?: string;
    stackConfigDir?: string;
    config?: Record<string, { default?: unknown; value?: unknown } | unknown>;
  };
  if (!doc?.name) throw new Error(`${file} has no project name`);
  const defaults: Record<string, unknown> = {};
  for (const [key, decl] of Object.entries(doc.config ?? {})) {
    const name = key.startsWith(`${doc.name}:`) ? key.slice(doc.name.length + 1) : key;
    if (decl && typeof decl === "object" && !Array.isArray(decl)) {
      const d = decl as { default?: unknown; value?: unknown };
      if (d.default !== undefined) defaults[name] = d.default;
      else if (d.value !== undefined) defaults[name] = d.value;
    } else {
      defaults[name] = decl;
    }
  }
  return { name: doc.name, defaults, stackConfigDir: doc.stackConfigDir ?? "." };
}

/** A stack file's values; `secure:` values become "[secret]" (never decrypted here) and are listed. */
export interface StackFile {
  readonly values: Record<string, unknown>;
  readonly securePaths: Set<string>;
}

export function readStackFile(
  projectDir: string,
  project: ProjectFile,
  stack: string,
): StackFile | undefined {
  const file = path.join(projectDir, project.stackConfigDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) return undefined;
  const doc = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const values: Record<string, unknown> = {};
  const securePaths = new Set<string>();
  const walk = (value: unknown, at: string): unknown => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      if (Object.keys(obj).length === 1 && typeof obj.secure === "string") {
        securePaths.add(at);
        return "[secret]";
      }
      return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, walk(v, `${at}.${k}`)]));
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${at}[${i}]`));
    return value;
  };
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    const [ns, name] = key.includes(":") ? key.split(":", 2) : [project.name, key];
    if (ns !== project.name || name === undefined) continue; // provider config (kubernetes:context, ...)
    values[name] = walk(value, name);
  }
  return { values, securePaths };
}

/** Resolves a stack's config from the files alone (secrets are checked, not decrypted). */
export function loadFromFiles(projectDir: string, stack: string): StackConfig {
  const project = readProjectFile(projectDir);
  const file = readStackFile(projectDir, project, stack);
  const secretKeys = new Set([...(file?.securePaths ?? [])].map((p) => p.split(/[.[]/)[0] as string));
  return resolveStackConfig({
    projectName: project.name,
    stackName: stack,
    base: project.defaults,
    stack: file?.values ?? {},
    secretKeys,
    securePaths: file?.securePaths ?? new Set(),
  });
}

/** Parses the engine's config values: JSON for structured keys, text for string keys. */
export function parseEngineConfig(
  projectName: string,
  all: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [full, raw] of Object.entries(all)) {
    const [ns, key] = full.split(":", 2);
    if (ns !== projectName || key === undefined) continue;
    const name = key.startsWith("config:") ? key.slice("config:".length) : key;
    if (STRING_KEYS.has(name)) {
      out[name] = raw;
      continue;
    }
    try {
      out[name] = JSON.parse(raw);
    } catch {
      out[name] = raw; // leave it to the schema to say what form it should take
    }
  }
  return out;
}

/** Resolves the running program's config: the engine's values plus Pulumi.yaml's defaults. */
export function loadFromPulumi(projectDir = process.cwd()): StackConfig {
  const projectName = pulumi.getProject();
  const stackName = pulumi.getStack();
  const project = readProjectFile(projectDir);
  const secretKeyList = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]") as string[];
  const secretKeys = new Set(
    secretKeyList.filter((k) => k.startsWith(`${projectName}:`)).map((k) => k.slice(projectName.length + 1)),
  );
  const file = readStackFile(projectDir, project, stackName);
  const source: ConfigSource = {
    projectName,
    stackName,
    base: project.defaults,
    stack: parseEngineConfig(projectName, pulumi.runtime.allConfig()),
    secretKeys,
    ...(file ? { securePaths: file.securePaths } : {}),
  };
  return resolveStackConfig(source);
}
