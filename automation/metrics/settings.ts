// The `progressive:metrics` config object: connection settings of the metric providers a stack's
// checks may name besides `builtin`. One key per provider, camelCase, each mapped to a registry
// kind; the settings become that kind's provider spec.
//
// No secrets belong here: the values are plain stack config. Credentials come from each SDK's
// default chain (AWS: environment, profile, instance/task role; Azure: DefaultAzureCredential;
// Google: Application Default Credentials), and URLs with `user:password@` are rejected.
import { z } from "zod";
import { type Problem, problem, ValidationError } from "../../components/core/problems";
import type { ProviderSpec } from "./registry";

/** Where the settings live in stack config. */
export const METRICS_SETTINGS_PATH = "progressive:metrics";

/** Settings of the `prometheus` provider (also what `builtin` reads ingress-nginx metrics with). */
export interface PrometheusSettings {
  /** Base URL of the Prometheus HTTP API, e.g. `http://prometheus.monitoring:9090`; no credentials. */
  readonly url: string;
  /** Deadline of one query in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /** Extra request headers, e.g. a tenant header `X-Scope-OrgID`; not for credentials. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Settings of the `cloudwatch` provider. */
export interface CloudWatchSettings {
  /** AWS region of the metrics, e.g. `eu-west-1`. */
  readonly region: string;
  /** CloudWatch endpoint, e.g. an emulator's `http://127.0.0.1:5000`. @default the region's public endpoint */
  readonly endpoint?: string;
  /** Deadline of one query in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
}

/** Settings of the `azure-monitor` provider; any field (even `{}`) enables it. */
export interface AzureMonitorSettings {
  /** Azure Resource Manager endpoint, for sovereign clouds. @default "https://management.azure.com" */
  readonly endpoint?: string;
  /** Deadline of one query in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
}

/** Settings of the `cloud-monitoring` provider. */
export interface CloudMonitoringSettings {
  /** Google Cloud project whose metrics are read, e.g. `my-project`. */
  readonly projectId: string;
  /** Path of a service account key file (a path, not the key). @default Application Default Credentials */
  readonly keyFilename?: string;
  /** Deadline of one query in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
}

/** The `progressive:metrics` config object. A provider is configured when its key is set. */
export interface MetricsSettings {
  /** Prometheus, for `prometheus` checks and for `builtin` on ingress-nginx. @default not configured */
  readonly prometheus?: PrometheusSettings;
  /** Amazon CloudWatch, for `cloudwatch` checks. @default not configured */
  readonly cloudwatch?: CloudWatchSettings;
  /** Azure Monitor, for `azure-monitor` checks. @default not configured */
  readonly azureMonitor?: AzureMonitorSettings;
  /** Google Cloud Monitoring, for `cloud-monitoring` checks. @default not configured */
  readonly cloudMonitoring?: CloudMonitoringSettings;
}

/** A key of {@link MetricsSettings}. */
export type SettingsKey = keyof MetricsSettings;

/** The registry kind each settings key configures. */
export const SETTINGS_KINDS = {
  prometheus: "prometheus",
  cloudwatch: "cloudwatch",
  azureMonitor: "azure-monitor",
  cloudMonitoring: "cloud-monitoring",
} as const satisfies Record<SettingsKey, ProviderSpec["kind"]>;

/** A registry kind that can be configured in `progressive:metrics`. */
export type SettingsKind = (typeof SETTINGS_KINDS)[SettingsKey];

const SETTINGS_KEYS = Object.keys(SETTINGS_KINDS) as SettingsKey[];

/** The settings key of a kind, e.g. `azureMonitor` for `azure-monitor`; undefined for other kinds. */
export function settingsKeyOf(kind: string): SettingsKey | undefined {
  return SETTINGS_KEYS.find((k) => SETTINGS_KINDS[k] === kind);
}

/** The kinds configured in `settings`, in registry order. */
export function configuredKinds(settings: MetricsSettings): SettingsKind[] {
  return SETTINGS_KEYS.filter((k) => settings[k] !== undefined).map((k) => SETTINGS_KINDS[k]);
}

/** A field to set per settings key, with an example value: what a "configure it" fix shows. */
const ENABLE_EXAMPLE: Readonly<Record<SettingsKey, readonly [string, string]>> = {
  prometheus: ["url", "http://prometheus.monitoring:9090"],
  cloudwatch: ["region", "eu-west-1"],
  azureMonitor: ["endpoint", "https://management.azure.com"],
  cloudMonitoring: ["projectId", "my-project"],
};

/** The command that configures `kind`, e.g. `pulumi config set --path progressive:metrics.cloudwatch.region eu-west-1`. */
export function configureCommand(kind: SettingsKind, path = METRICS_SETTINGS_PATH): string {
  const key = settingsKeyOf(kind) as SettingsKey;
  const [field, example] = ENABLE_EXAMPLE[key];
  return `pulumi config set --path ${path}.${key}.${field} ${example}`;
}

/**
 * A provider spec built from settings: a registry `ProviderSpec` (see registry.ts). Declared with
 * no reference to the registry so the published declarations never name an optional cloud SDK.
 */
export interface SettingsProviderSpec {
  readonly kind: SettingsKind;
  readonly name: string;
  readonly [setting: string]: unknown;
}

/**
 * The provider spec of `kind` built from the settings, named after the kind; undefined when the
 * kind is not configured. The cloud clients are built on the first query, not here.
 */
export function settingsProviderSpec(
  kind: SettingsKind,
  settings: MetricsSettings,
): SettingsProviderSpec | undefined {
  switch (kind) {
    case "prometheus":
      return settings.prometheus && { kind, name: kind, ...settings.prometheus };
    case "cloudwatch":
      return settings.cloudwatch && { kind, name: kind, ...settings.cloudwatch };
    case "azure-monitor":
      return settings.azureMonitor && { kind, name: kind, ...settings.azureMonitor };
    case "cloud-monitoring":
      return settings.cloudMonitoring && { kind, name: kind, ...settings.cloudMonitoring };
  }
}

// `pulumi config set --path` may store a number as a string ("30"): read such strings as numbers.
const fromConfigString = (v: unknown): unknown =>
  typeof v === "string" && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;

const timeoutMs = z
  .preprocess(fromConfigString, z.number({ error: "must be a number" }))
  .refine((n) => Number.isInteger(n) && n >= 1 && n <= 600_000, {
    error: "must be a whole number of milliseconds from 1 to 600000",
  })
  .optional();

const text = z
  .string({ error: (iss) => (iss.input === undefined ? "is required" : "must be a string") })
  .refine((s) => s.trim() !== "", { error: "must not be empty", abort: true });

function parseUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

const httpUrl = text
  .refine((s) => /^https?:$/.test(parseUrl(s)?.protocol ?? ""), {
    error: "must be an http or https URL",
    abort: true,
  })
  .refine((s) => !parseUrl(s)?.username && !parseUrl(s)?.password, {
    error: "must not hold credentials (user:password@), because stack config is plain text",
  });

const objectOf = <S extends z.ZodRawShape>(shape: S) =>
  z.strictObject(shape, { error: (iss) => (iss.code === "invalid_type" ? "must be an object" : undefined) });

const SHAPES = {
  prometheus: {
    url: httpUrl,
    timeoutMs,
    headers: z
      .record(z.string(), z.string({ error: "must be a string" }), { error: "must be an object" })
      .optional(),
  },
  cloudwatch: {
    region: text.refine((s) => /^[a-z]{2}(-[a-z]+)+-\d+$/.test(s), { error: "is not an AWS region name" }),
    endpoint: httpUrl.optional(),
    timeoutMs,
  },
  azureMonitor: { endpoint: httpUrl.optional(), timeoutMs },
  cloudMonitoring: {
    projectId: text.refine((s) => /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(s), {
      error: "is not a Google Cloud project ID",
    }),
    keyFilename: text.optional(),
    timeoutMs,
  },
} as const;

/** The schema of `progressive:metrics` (after coercion); {@link parseMetricsSettings} adds the messages. */
export const metricsSettingsSchema = objectOf({
  prometheus: objectOf(SHAPES.prometheus).optional(),
  cloudwatch: objectOf(SHAPES.cloudwatch).optional(),
  azureMonitor: objectOf(SHAPES.azureMonitor).optional(),
  cloudMonitoring: objectOf(SHAPES.cloudMonitoring).optional(),
}) satisfies z.ZodType<MetricsSettings>;

/** Example values for fixes, by field path below the settings root. */
const EXAMPLES: Readonly<Record<string, string>> = {
  "prometheus.url": "http://prometheus.monitoring:9090",
  "prometheus.timeoutMs": "10000",
  "cloudwatch.region": "eu-west-1",
  "cloudwatch.endpoint": "https://monitoring.eu-west-1.amazonaws.com",
  "cloudwatch.timeoutMs": "10000",
  "azureMonitor.endpoint": "https://management.azure.com",
  "azureMonitor.timeoutMs": "10000",
  "cloudMonitoring.projectId": "my-project",
  "cloudMonitoring.keyFilename": "/var/secrets/monitoring-reader.json",
  "cloudMonitoring.timeoutMs": "10000",
};

function valueAt(root: unknown, keys: readonly PropertyKey[]): unknown {
  return keys.reduce<unknown>(
    (v, k) => (typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    root,
  );
}

/** A URL's credentials must not be echoed in a message. */
function redact(value: unknown): unknown {
  const url = typeof value === "string" ? parseUrl(value) : undefined;
  if (!url || (!url.username && !url.password)) return value;
  url.username = "***";
  url.password = "";
  return url.toString();
}

function fixFor(field: string, path: string): string {
  const example = EXAMPLES[field];
  if (example) return `set it with pulumi config set --path ${path}.${field} ${example}`;
  if (field.startsWith("prometheus.headers"))
    return `set one string per header, e.g. pulumi config set --path ${path}.prometheus.headers.X-Scope-OrgID team-a`;
  const key = SETTINGS_KEYS.find((k) => k === field);
  if (key) return `set its fields, e.g. ${configureCommand(SETTINGS_KINDS[key], path)}`;
  return `set it to an object of provider settings, e.g. ${configureCommand("prometheus", path)}`;
}

/** The fix for an unknown key at `level` ("" is the root), naming the known keys there. */
function unknownKeyFix(level: string, key: string): string {
  const known = level === "" ? SETTINGS_KEYS : Object.keys(SHAPES[level as SettingsKey] ?? {});
  // A registry kind used as a key ("azure-monitor") is a likely slip: point at its camelCase key.
  const kindKey = level === "" ? settingsKeyOf(key) : undefined;
  const hint =
    kindKey && kindKey !== key ? `use ${kindKey} for the ${key} provider` : "remove it or fix its spelling";
  return `${hint}; known keys: ${known.join(", ")}`;
}

/**
 * Parses the `progressive:metrics` config object (undefined means no providers configured).
 * Numbers may be given as strings, as `pulumi config set --path` may store them. Throws one
 * ValidationError listing every problem as `<path.field> (<value>): <what is wrong>; <fix>`;
 * unknown keys are problems naming the known ones.
 */
export function parseMetricsSettings(value: unknown, path = METRICS_SETTINGS_PATH): MetricsSettings {
  if (value === undefined || value === null) return {};
  const result = metricsSettingsSchema.safeParse(value);
  if (result.success) return result.data;
  const problems: Problem[] = [];
  for (const issue of result.error.issues) {
    const field = issue.path.map(String).join(".");
    const at = field === "" ? path : `${path}.${field}`;
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        problems.push(
          problem(
            `${at}.${key}`,
            redact(valueAt(value, [...issue.path, key])),
            "is not a known setting",
            unknownKeyFix(field, key),
          ),
        );
      }
      continue;
    }
    problems.push(problem(at, redact(valueAt(value, issue.path)), issue.message, fixFor(field, path)));
  }
  throw new ValidationError("metrics settings", problems);
}
