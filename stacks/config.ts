// The typed, validated stack config. Three layers, later ones win, objects merged key by key:
//   1. base: the `default:` of each key in Pulumi.yaml's `config:` block;
//   2. environment: stacks/Pulumi.<stack>.yaml (values set on the stack);
//   3. secrets: values set with `pulumi config set --secret`, which live in the same stack file
//      encrypted and must stay Pulumi secrets (checked here).
// Pulumi itself replaces a key's default wholesale when a stack sets it; merging objects key by
// key lets an environment change `service.replicas` without repeating the whole service.

import { RunError } from "@pulumi/pulumi";
import type { core as zcore } from "zod";
import {
  checkVersionLabel,
  formatValue,
  type HealthInput,
  type Problem,
  problem,
  type ResolvedStrategy,
  resolveHealth,
  resolveStrategy,
  type StrategyInput,
} from "../components/core";
import { KNOWN_KEYS, type ParsedStackConfig, SECRET_KEYS, stackConfigSchema } from "./schema";

/** Where the layers come from; the loaders below fill it from Pulumi or from files. */
export interface ConfigSource {
  /** Project name, the config namespace (`<project>:<key>`). */
  readonly projectName: string;
  /** Stack name; the environment defaults to it. */
  readonly stackName: string;
  /** Layer 1: project defaults by key. */
  readonly base: Readonly<Record<string, unknown>>;
  /** Layers 2 and 3: the stack's values by key, secrets decrypted. */
  readonly stack: Readonly<Record<string, unknown>>;
  /** Keys whose stack value is a Pulumi secret. */
  readonly secretKeys: ReadonlySet<string>;
  /** Paths (`secretEnv.DB_PASSWORD`) marked `secure:` in the stack file, when the file was read. */
  readonly securePaths?: ReadonlySet<string>;
}

/** The resolved config of one stack. */
export interface StackConfig extends Omit<ParsedStackConfig, "strategy"> {
  readonly strategy: ResolvedStrategy;
  /** The strategy as written, for components that resolve it themselves. */
  readonly strategyInput: StrategyInput;
  /** Things that are allowed but worth saying (e.g. plain test secrets in dev). */
  readonly warnings: readonly string[];
}

/** Invalid stack config: lists every problem with its full key path, value and expected form. */
export class ConfigError extends RunError {
  readonly problems: readonly Problem[];
  constructor(stackName: string, problems: readonly Problem[]) {
    const lines = problems.map((p) => `  - ${p.path} (${formatValue(p.value)}): ${p.message}; ${p.fix}`);
    super(`invalid config for stack "${stackName}": ${problems.length} problem(s)\n${lines.join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep merge: objects key by key, everything else (arrays too) replaced; `null` removes a key. */
export function mergeLayers(...layers: Readonly<Record<string, unknown>>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === null) delete out[key];
      else if (isPlainObject(value) && isPlainObject(out[key]))
        out[key] = mergeLayers(out[key] as Record<string, unknown>, value);
      else out[key] = value;
    }
  }
  return out;
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let cur = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function pathText(project: string, path: readonly PropertyKey[]): string {
  let out = `${project}:`;
  path.forEach((key, i) => {
    if (typeof key === "number") out += `[${key}]`;
    else out += i === 0 ? String(key) : `.${String(key)}`;
  });
  return out;
}

function secretProblems(src: ConfigSource, merged: Record<string, unknown>, allowPlain: boolean): Problem[] {
  const out: Problem[] = [];
  for (const key of SECRET_KEYS) {
    const value = merged[key];
    const entries: [string, unknown][] = isPlainObject(value)
      ? Object.entries(value).map(([k, v]) => [`${key}.${k}`, v])
      : value === undefined || value === ""
        ? []
        : [[key, value]];
    for (const [path, v] of entries) {
      const secret = src.securePaths
        ? src.securePaths.has(path) || src.securePaths.has(key)
        : src.secretKeys.has(key);
      if (secret || allowPlain) continue;
      out.push(
        problem(
          `${src.projectName}:${path}`,
          "(plain text, not shown)",
          `is plain text, but ${key} must be a Pulumi secret`,
          `set it with: pulumi config set --secret --path '${path}' <value>` +
            (typeof v === "string" ? "" : " (the value must be a string)"),
        ),
      );
    }
  }
  return out;
}

/**
 * Keys this project's config had before the release settings moved to the `progressive:`
 * namespace (read by the driver for every program), with where each went; an old stack file gets
 * the new place in the error instead of "not a config key". The README's "Upgrading" lists them.
 */
export const MOVED_KEYS: Readonly<Record<string, { readonly to: string; readonly fix: string }>> = {
  traffic: {
    to: "progressive:traffic (written by the release driver)",
    fix: "remove it and set version to the first version to deploy; after that, release with progressive release <version>",
  },
  release: {
    to: "progressive:release",
    fix: "move it: pulumi config set --path 'progressive:release.<field>' <value> for each field (same fields), then remove this key",
  },
  failFast: {
    to: "progressive:release.failFast",
    fix: "move it: pulumi config set --path 'progressive:release.failFast' true, then remove this key",
  },
  monitoring: {
    to: "progressive:metrics (monitoring.prometheusUrl is progressive:metrics.prometheus.url)",
    fix: "move it: pulumi config set --path 'progressive:metrics.prometheus.url' <url>, then remove this key (fullMonitoring is gone: every builtin metric is always read)",
  },
  slackWebhookUrl: {
    to: "progressive:slackWebhookUrl",
    fix: "move it: pulumi config set --secret progressive:slackWebhookUrl <url>, then remove this key",
  },
  webhookUrl: {
    to: "progressive:webhookUrl",
    fix: "move it: pulumi config set --secret progressive:webhookUrl <url>, then remove this key",
  },
};

/** Layers, validates and types a stack's config; throws ConfigError listing every problem. */
export function resolveStackConfig(src: ConfigSource): StackConfig {
  const ns = src.projectName;
  const merged = mergeLayers(src.base, src.stack);
  if (merged.environment === undefined || merged.environment === "") merged.environment = src.stackName;
  const problems: Problem[] = [];
  for (const key of Object.keys(merged)) {
    if (!KNOWN_KEYS.includes(key)) {
      const moved = MOVED_KEYS[key];
      problems.push(
        moved
          ? problem(
              `${ns}:${key}`,
              moved.to.endsWith("WebhookUrl") ? "(secret, not shown)" : merged[key],
              `has moved to ${moved.to}`,
              moved.fix,
            )
          : problem(
              `${ns}:${key}`,
              merged[key],
              "is not a config key of this project",
              `use one of: ${KNOWN_KEYS.join(", ")}`,
            ),
      );
      delete merged[key];
    }
  }
  const parsed = stackConfigSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path as PropertyKey[];
      const isSecret = SECRET_KEYS.includes(path[0] as (typeof SECRET_KEYS)[number]);
      const value = isSecret ? "(secret, not shown)" : valueAt(merged, path);
      problems.push(problem(pathText(ns, path), value, issue.message, expectedForm(issue)));
    }
    throw new ConfigError(src.stackName, problems);
  }
  const cfg = parsed.data;
  const warnings: string[] = [];
  if (cfg.allowPlaintextSecrets && cfg.environment === "prod") {
    problems.push(
      problem(
        `${ns}:allowPlaintextSecrets`,
        true,
        "is not allowed in prod: plain test values are for dev only",
        "remove it and set each secret with pulumi config set --secret",
      ),
    );
  }
  const plain = secretProblems(src, merged, false);
  if (cfg.allowPlaintextSecrets && cfg.environment !== "prod") {
    for (const p of plain)
      warnings.push(`${p.path} is a plain test value (allowed in ${cfg.environment} only)`);
  } else {
    problems.push(...plain);
  }
  // Strategy, traffic and health: the same rules the components apply, with config key paths.
  const local: Problem[] = [];
  const strategyInput = cfg.strategy as unknown as StrategyInput;
  const strategy = resolveStrategy(strategyInput, "strategy", local);
  checkVersionLabel(cfg.version, "version", local);
  resolveHealth(cfg.service.health as HealthInput | undefined, "service.health", local);
  if (cfg.platform === "local" && !cfg.service.local) {
    local.push(
      problem("service.local", undefined, "is required on the local platform", "set service.local.command"),
    );
  }
  if (cfg.platform === "kubernetes" && !cfg.service.kubernetes) {
    local.push(
      problem("service.kubernetes", undefined, "is required on Kubernetes", "set service.kubernetes.image"),
    );
  }
  for (const p of local) problems.push({ ...p, path: `${ns}:${p.path}` });
  if (problems.length > 0 || !strategy) throw new ConfigError(src.stackName, problems);
  return {
    ...cfg,
    strategy,
    strategyInput,
    warnings,
  };
}

type ZodIssue = zcore.$ZodIssue;

/** The fix part of a zod issue: what form the value should take. */
function expectedForm(issue: ZodIssue): string {
  const key = issue.path.map(String).join(".");
  const details = issue as ZodIssue & {
    expected?: string;
    values?: unknown[];
    minimum?: unknown;
    maximum?: unknown;
    keys?: string[];
  };
  switch (issue.code) {
    case "invalid_type":
      return `give ${key} a value of type ${details.expected ?? "shown in Pulumi.yaml"}`;
    case "invalid_value":
      return `use one of ${(details.values ?? []).map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return `use a value of at least ${String(details.minimum)}`;
    case "too_big":
      return `use a value of at most ${String(details.maximum)}`;
    case "unrecognized_keys":
      return `remove ${(details.keys ?? []).join(", ")}; Pulumi.yaml's config block describes the known keys`;
    default:
      return `see the description of ${String(issue.path[0] ?? "the key")} in Pulumi.yaml`;
  }
}
