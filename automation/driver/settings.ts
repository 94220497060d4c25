// The release settings of a stack: the `progressive:` config namespace, the same in every program
// that uses the components. Steps and checks come from the component's resolved strategy (its
// `release` output); how a release is run in this environment (gates, window, approval, hooks,
// drift, policy pack, metric endpoints, notification URLs, next environment) comes from here.
//
// Values may arrive as strings: `pulumi config set progressive:release.failFast true` without
// `--type bool`, and a stack file the CLI rewrote after `pulumi stack init`, store "true". Booleans
// and numbers given as such strings are accepted.
import { z } from "zod";
import {
  CONFIG_NAMESPACE,
  checkTraffic,
  formatProblem,
  formatValue,
  type Problem,
  problem,
  TRAFFIC_KEY,
  trafficEntryOf,
} from "../../components/core";
import { type MetricsSettings, parseMetricsSettings } from "../metrics/settings";
import { ReleaseError } from "./errors";

const bool = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());
const seconds = z.preprocess(
  (v) => (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v),
  z.number().positive("must be a number of seconds above 0, such as 300"),
);
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time such as "09:00"');
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const argv = z.array(z.string().min(1)).min(1, "must name the program to run, e.g. [npm, run, migrate]");

/** A deploy window: releases may start only inside it. */
const windowSchema = z
  .object({
    days: z.array(z.enum(DAYS)).min(1),
    start: HHMM,
    end: HHMM,
    timezone: z
      .string()
      .default("UTC")
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat("en", { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, "is not an IANA time zone such as Europe/Berlin or UTC"),
  })
  .strict();

/** A command run at a point of the release (a migration, a smoke test), with a deadline. */
const hookSchema = z
  .object({ name: z.string().min(1), command: argv, timeoutSeconds: seconds.default(300) })
  .strict();

const gatesSchema = z
  .object({
    approval: bool.default(false),
    window: windowSchema.optional(),
    checks: z.array(z.unknown()).default([]),
    commands: z.array(argv).default([]),
  })
  .strict();

const whole = (min: number, max: number, example: number) =>
  z.preprocess(
    (v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v),
    z
      .number()
      .int(`must be a whole number from ${min} to ${max}, such as ${example}`)
      .min(min, `must be a whole number from ${min} to ${max}, such as ${example}`)
      .max(max, `must be a whole number from ${min} to ${max}, such as ${example}`),
  );
/** Header names the load step must not set: the request goes to the release's endpoint, as it is. */
const RESERVED_HEADERS = ["host", "connection", "content-length", "transfer-encoding", "upgrade"];

/**
 * The load step: paced GET requests to the release's endpoint while each analysis runs (see
 * load.ts). `true` turns it on with every default; absent or `false` is off.
 */
const loadSchema = z
  .object({
    path: z
      .string()
      .regex(
        /^\/(?!\/)[^\s\p{Cc}#]*$/u,
        'must be a path on the service\'s endpoint such as "/" or "/api/items?limit=1" (no host, spaces or #)',
      )
      .default("/"),
    rate: z
      .preprocess(
        (v) => (typeof v === "string" && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v),
        z
          .number()
          .positive("must be a number of requests per second above 0, at most 200, such as 20")
          .max(200, "must be a number of requests per second above 0, at most 200, such as 20"),
      )
      .default(20),
    concurrency: whole(1, 100, 10).default(10),
    maxRequests: whole(1, 1_000_000, 10_000).default(10_000),
    timeoutSeconds: seconds.pipe(z.number().max(60, "must be at most 60 seconds")).default(5),
    headers: z
      .record(z.string(), z.string().regex(/^[^\r\n\0]*$/, "must be one line"))
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          const message = !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)
            ? "must be named as an HTTP header such as Authorization"
            : RESERVED_HEADERS.includes(name.toLowerCase())
              ? `must not be one of ${RESERVED_HEADERS.join(", ")} (the request goes to the release's endpoint as it is)`
              : undefined;
          if (message) ctx.addIssue({ code: "custom", path: [name], message });
        }
      })
      .default({}),
  })
  .strict();

const loadSetting = z.preprocess(
  (v) => (v === true || v === "true" ? {} : v === false || v === "false" || v === null ? undefined : v),
  loadSchema.optional(),
);

const hooksSchema = z
  .object({ preTraffic: z.array(hookSchema).default([]), postPromotion: z.array(hookSchema).default([]) })
  .strict();

const releaseSchema = z
  .object({
    next: z.string().min(1).optional(),
    drift: z.enum(["preview", "refresh", "off"]).default("preview"),
    policyPack: z.string().min(1).optional(),
    failFast: bool.default(false),
    gates: gatesSchema.default({ approval: false, checks: [], commands: [] }),
    hooks: hooksSchema.default({ preTraffic: [], postPromotion: [] }),
    load: loadSetting,
    // Release groups by name: the services `--group <name>` releases as one.
    groups: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({}),
  })
  .strict();

const kubernetesSchema = z
  .object({ kubeconfig: z.string().min(1).optional(), context: z.string().min(1).optional() })
  .strict();

/**
 * The objects of each setting by path below its key (list indexes as `*`): where an unknown key
 * is reported with the keys known there.
 */
const OBJECT_FIELDS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  release: {
    "": Object.keys(releaseSchema.shape),
    gates: Object.keys(gatesSchema.shape),
    "gates.window": Object.keys(windowSchema.shape),
    hooks: Object.keys(hooksSchema.shape),
    "hooks.preTraffic.*": Object.keys(hookSchema.shape),
    "hooks.postPromotion.*": Object.keys(hookSchema.shape),
    load: Object.keys(loadSchema.shape),
  },
  kubernetes: { "": Object.keys(kubernetesSchema.shape) },
};

/** Zod's default messages in the words of the other problems ("is required", "must be ..."). */
const errorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return "is required";
      if (iss.expected === "boolean") return "must be true or false";
      if (iss.expected === "array") return "must be a list";
      return `must be ${iss.expected === "object" ? "an" : "a"} ${iss.expected}`;
    case "too_small":
      if (iss.origin === "string") return "must not be empty";
      if (iss.origin === "array") return `must list at least ${iss.minimum} item(s)`;
      return undefined;
    case "invalid_value":
      return `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return undefined;
  }
};

/** How releases run in one environment, with every default filled. */
export interface ReleaseSettings {
  /** Environment name (gates, messages). @default the stack name */
  readonly environment: string;
  readonly release: z.infer<typeof releaseSchema>;
  /** Metric providers a check may name besides `builtin`. @default none */
  readonly metrics: MetricsSettings;
  /** Where the driver reads Kubernetes routers. @default the default kubeconfig */
  readonly kubernetes: z.infer<typeof kubernetesSchema>;
  /** Notification URLs; secrets, never printed. */
  readonly notify: { readonly slack?: string; readonly webhook?: string };
  /** Where release state lives (a URL). @default see the driver's store choice */
  readonly stateStore?: string;
}

/** One key of the namespace: what it holds, for errors and the README's table. */
export const SETTINGS_KEYS = {
  environment: "Environment name (dev, staging, prod...); default the stack name.",
  release:
    "{next, drift (preview|refresh|off), policyPack, failFast, gates {approval, window {days, start, end, timezone}, checks, commands}, hooks {preTraffic, postPromotion}, load {path, rate, concurrency, maxRequests, timeoutSeconds, headers} (or true), groups {<name>: [service, ...]}}.",
  metrics:
    "Metric providers for checks: {prometheus {url}, cloudwatch {...}, azureMonitor {...}, cloudMonitoring {...}}.",
  kubernetes: "{kubeconfig, context} the driver reads Kubernetes routers with.",
  stateStore:
    "Where releases' journals, locks, history and reports live: s3://bucket/prefix?region=..., azblob://account/container/prefix, gs://bucket/prefix, k8s://namespace, file:///folder.",
  slackWebhookUrl: "Slack incoming-webhook URL for notifications (secret).",
  webhookUrl: "JSON webhook URL for notifications (secret).",
  [TRAFFIC_KEY]: "Traffic entry of each component, by its Pulumi name; written by the driver.",
} as const;

const SECRET_SETTINGS = ["slackWebhookUrl", "webhookUrl"] as const;

/** A config value as the Automation API returns it (`pulumi config --json --show-secrets`). */
export interface RawConfigValue {
  readonly value: string;
  readonly secret: boolean;
  readonly objectValue?: unknown;
}

/** A config value as the program reads it: the object of an object value, JSON text parsed, else the string. */
export function configValue(raw: RawConfigValue | undefined): unknown {
  if (raw === undefined) return undefined;
  if (raw.objectValue !== undefined) return raw.objectValue;
  const v = raw.value;
  if (v.startsWith("{") || v.startsWith("[")) {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}

/** A value for a problem: the load step's header values may be secrets (tokens), so never shown. */
function shown(key: string, path: readonly PropertyKey[], input: unknown): string {
  const secret = key === "release" && path[0] === "load" && path[1] === "headers" && path.length > 2;
  return secret ? "(not shown)" : formatValue(at(input, path));
}

function pathOf(key: string, issuePath: readonly PropertyKey[]): string {
  return [`${CONFIG_NAMESPACE}:${key}`, ...issuePath.map(String)].join(".");
}

function at(value: unknown, path: readonly PropertyKey[]): unknown {
  let cur = value;
  for (const k of path)
    cur = cur && typeof cur === "object" ? (cur as Record<PropertyKey, unknown>)[k] : undefined;
  return cur;
}

/**
 * The problems a component would find in the traffic entries when it reads its own (the driver
 * writes them; a hand edit can break one): each entry is checked as the most lenient kind, a
 * canary, since the entries do not say which strategy their component runs.
 */
function trafficProblems(all: unknown): Problem[] {
  const problems: Problem[] = [];
  const path = `${CONFIG_NAMESPACE}:${TRAFFIC_KEY}`;
  if (all === undefined || all === null) return problems;
  const names = typeof all === "object" && !Array.isArray(all) ? Object.keys(all) : [""];
  for (const name of names) {
    const at = name === "" ? path : `${path}.${name}`;
    const entry = trafficEntryOf(all, name);
    if (entry === undefined) continue;
    if ("invalid" in entry) {
      problems.push(
        problem(
          at,
          entry.invalid,
          name === "" ? "is not an object of traffic entries by component name" : "is not a traffic entry",
          name === ""
            ? `set it to an object such as {"web": {"stableVersion": "v1", "candidateWeight": 0}}, or remove it with pulumi config rm ${at}`
            : `set it to an object such as {"stableVersion": "v1", "candidateWeight": 0}, or remove it with pulumi config rm --path '${at}'`,
        ),
      );
      continue;
    }
    checkTraffic(entry, "canary", at, problems);
  }
  return problems;
}

/**
 * Reads and validates the `progressive:` namespace of a stack's config; throws one
 * ReleaseError("config") listing every problem with its key path, value and fix.
 */
export function parseSettings(
  all: Readonly<Record<string, RawConfigValue>>,
  stackName: string,
): ReleaseSettings {
  const problems: string[] = [];
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const key of Object.keys(all)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length).split(".")[0] as string;
    if (!(name in SETTINGS_KEYS)) {
      problems.push(
        `${key} (${formatValue(configValue(all[key]))}): is not a release setting; use one of ${Object.keys(
          SETTINGS_KEYS,
        )
          .map((k) => prefix + k)
          .join(", ")}`,
      );
    }
  }
  const get = (k: string) => configValue(all[prefix + k]);
  const parse = <T>(key: string, schema: z.ZodType<T>, fallback: unknown): T | undefined => {
    const input = get(key) ?? fallback;
    const r = schema.safeParse(input, { error: errorMap });
    if (r.success) return r.data;
    const see = `see the ${prefix}${key} row of the README's settings table`;
    for (const issue of r.error.issues) {
      const p = issue.path as PropertyKey[];
      if (issue.code === "unrecognized_keys") {
        // One problem per key, at the key's own path: "progressive:release.gates.aproval (true)".
        const level = p.map((k) => (typeof k === "number" ? "*" : String(k))).join(".");
        const known = OBJECT_FIELDS[key]?.[level];
        for (const k of issue.keys) {
          problems.push(
            `${pathOf(key, [...p, k])} (${formatValue(at(input, [...p, k]))}): is not a known setting; remove it or fix its spelling${known ? `; known keys: ${known.join(", ")}` : `; ${see}`}`,
          );
        }
        continue;
      }
      problems.push(`${pathOf(key, p)} (${shown(key, p, input)}): ${issue.message}; ${see}`);
    }
    return undefined;
  };
  const environment = parse(
    "environment",
    z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "must be a lower-case name such as dev, staging or prod"),
    stackName,
  );
  const release = parse("release", releaseSchema, {});
  const kubernetes = parse("kubernetes", kubernetesSchema, {});
  const stateStore = parse(
    "stateStore",
    z
      .string()
      .regex(
        /^(s3|azblob|gs|k8s|file):\/\/\S+$/,
        "must be a store URL such as s3://bucket/prefix or k8s://namespace",
      )
      .optional(),
    undefined,
  );
  let metrics: MetricsSettings = {};
  try {
    metrics = parseMetricsSettings(get("metrics") ?? {}, `${prefix}metrics`);
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  problems.push(...trafficProblems(get(TRAFFIC_KEY)).map(formatProblem));
  const notify: { slack?: string; webhook?: string } = {};
  for (const key of SECRET_SETTINGS) {
    const raw = all[prefix + key];
    if (!raw || raw.value === "") continue;
    if (!raw.secret) {
      problems.push(
        `${prefix}${key} ((plain text, not shown)): is plain text, but a webhook URL is a secret; set it with pulumi config set --secret ${prefix}${key} <url>`,
      );
      continue;
    }
    if (key === "slackWebhookUrl") notify.slack = raw.value;
    else notify.webhook = raw.value;
  }
  if (problems.length > 0 || !environment || !release || !kubernetes) {
    throw new ReleaseError(
      "config",
      `invalid release settings for stack "${stackName}": ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  return { environment, release, metrics, kubernetes, notify, ...(stateStore ? { stateStore } : {}) };
}
