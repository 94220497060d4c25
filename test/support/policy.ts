// The policy pack in `pulumi preview`: where the pack is, a pack config file from fixture settings
// over a preset, and the violations the CLI printed. Shared by the engine tier (local platform)
// and the cluster tier (Kubernetes, with the real provider).
import * as fs from "node:fs";
import * as path from "node:path";

/** The policy pack's folder. */
export const PACK = path.join(__dirname, "..", "..", "policies");

/** One reported violation: `- [level]  rule  (type: name)`, the description, then the message. */
export interface Reported {
  readonly level: string;
  readonly rule: string;
  readonly resource: string;
  readonly message: string;
}

export function violations(output: string): Reported[] {
  const found: Reported[] = [];
  const entry = /- \[(\w+)\]\s+([a-z-]+)\s+\(([^)\n]+): ([^)\n]+)\)\r?\n[^\n]*\n\s*([^\n]+)/g;
  for (const m of output.matchAll(entry)) {
    found.push({ level: m[1] ?? "", rule: m[2] ?? "", resource: m[4] ?? "", message: (m[5] ?? "").trim() });
  }
  return found;
}

/** `level rule resource` of each violation, sorted: what the tests compare. */
export const summary = (list: readonly Reported[]) =>
  list.map((v) => `${v.level} ${v.rule} ${v.resource}`).sort();

/**
 * Writes a pack config file into `dir`: the rule settings of `settingsFile` (a JSON file, when
 * given) over an optional preset from policies/config; returns its path.
 */
export function packConfig(dir: string, settingsFile?: string, preset?: string): string {
  const settings = settingsFile ? JSON.parse(fs.readFileSync(settingsFile, "utf8")) : {};
  const base = preset ? JSON.parse(fs.readFileSync(path.join(PACK, "config", `${preset}.json`), "utf8")) : {};
  const merged: Record<string, object> = { ...base };
  for (const [rule, value] of Object.entries(settings as Record<string, object>)) {
    merged[rule] = { ...(base[rule] ?? {}), ...value };
  }
  const file = path.join(dir, `pack-config-${preset ?? "none"}.json`);
  fs.writeFileSync(file, JSON.stringify(merged, null, 2));
  return file;
}
