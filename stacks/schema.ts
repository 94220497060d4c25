// The shape of this project's stack config, as zod schemas. zod because its schemas are the
// TypeScript types (one source for validation and typing), it reports every issue with its path
// rather than the first, and it is plain JavaScript with no code generation. Strategy, traffic and
// health are checked by components/core (the same rules the components apply), not here.
import { z } from "zod";

/** Environment names: lower-case words, e.g. dev, staging, prod, qa-eu. */
export const environmentName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, "must be a lower-case name such as dev, staging or prod");

/** Platforms this program can deploy to. */
export const PLATFORMS = ["local", "kubernetes"] as const;
export type PlatformName = (typeof PLATFORMS)[number];

const port = z.number().int().min(0).max(65535);
const stringMap = z.record(z.string(), z.string());

const localService = z
  .object({
    command: z.array(z.string().min(1)).min(1, "must name the program to run, e.g. [node, server.js]"),
    cwd: z.string().optional(),
    stateDir: z.string().optional(),
  })
  .strict();

const kubernetesService = z
  .object({
    image: z.string().min(1),
    namespace: z.string().optional(),
    serviceType: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]).optional(),
    router: z.enum(["replicaRatio", "nginx", "gatewayApi"]).optional(),
    host: z.string().optional(),
    ingressClassName: z.string().optional(),
    gateway: z.object({ name: z.string(), namespace: z.string().optional() }).strict().optional(),
  })
  .strict();

const resources = z.object({ requests: stringMap.optional(), limits: stringMap.optional() }).strict();

export const serviceSchema = z
  .object({
    name: z.string().regex(/^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$/, "must be a DNS label such as web"),
    replicas: z.number().int().min(1),
    port: port.optional(),
    previewPort: port.optional(),
    containerPort: port.optional(),
    health: z.unknown().optional(),
    env: stringMap.optional(),
    versionEnv: z.record(z.string(), stringMap).optional(),
    resources: resources.optional(),
    local: localService.optional(),
    kubernetes: kubernetesService.optional(),
  })
  .strict();

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time such as "09:00"');
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** A deploy window: releases may start only inside it. */
export const windowSchema = z
  .object({
    days: z.array(z.enum(DAYS)).min(1),
    start: HHMM,
    end: HHMM,
    timezone: z.string().default("UTC"),
  })
  .strict();

/** Gates a release must pass before traffic moves in this environment. */
export const gatesSchema = z
  .object({
    approval: z.boolean().default(false),
    window: windowSchema.optional(),
    checks: z.array(z.unknown()).default([]),
    commands: z.array(z.array(z.string()).min(1)).default([]),
  })
  .strict();

/** A command run at a point of the release (a database migration, a smoke test), with a deadline. */
export const hookSchema = z
  .object({
    name: z.string().min(1),
    command: z.array(z.string()).min(1, "must name the program to run, e.g. [npm, run, migrate]"),
    /** Seconds the command may take. */
    timeoutSeconds: z.number().positive().default(300),
  })
  .strict();

export const releaseSchema = z
  .object({
    /** The environment a release verified here is promoted to next. */
    next: environmentName.optional(),
    gates: gatesSchema.default({ approval: false, checks: [], commands: [] }),
    /** How preflight looks for drift: a preview expecting no changes, a refresh, or not at all. */
    drift: z.enum(["preview", "refresh", "off"]).default("preview"),
    /** Policy pack folder run in preflight. */
    policyPack: z.string().optional(),
    /** Commands before any traffic moves (a failure stops the release) and after promotion. */
    hooks: z
      .object({ preTraffic: z.array(hookSchema).default([]), postPromotion: z.array(hookSchema).default([]) })
      .strict()
      .default({ preTraffic: [], postPromotion: [] }),
  })
  .strict();

export const loggingSchema = z
  .object({
    level: z.enum(["debug", "info", "warn", "error"]),
    verbose: z.boolean().default(false),
  })
  .strict();

export const monitoringSchema = z
  .object({
    prometheusUrl: z.string().url().optional(),
    fullMonitoring: z.boolean().default(false),
  })
  .strict();

/** A reference to a secret already kept in the platform's store, instead of a value. */
export const secretRefSchema = z.union([
  z.object({ kubernetes: z.object({ name: z.string(), key: z.string() }).strict() }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);

/** Every key of the project's config, after layering. */
export const stackConfigSchema = z
  .object({
    environment: environmentName,
    platform: z.enum(PLATFORMS),
    service: serviceSchema,
    strategy: z.object({ kind: z.string() }).passthrough(),
    traffic: z.object({ stableVersion: z.string() }).passthrough(),
    logging: loggingSchema,
    failFast: z.boolean(),
    monitoring: monitoringSchema.default({ fullMonitoring: false }),
    release: releaseSchema.default({
      gates: { approval: false, checks: [], commands: [] },
      drift: "preview",
      hooks: { preTraffic: [], postPromotion: [] },
    }),
    allowPlaintextSecrets: z.boolean().default(false),
    secretEnv: stringMap.default({}),
    secretRefs: z.record(z.string(), secretRefSchema).default({}),
    slackWebhookUrl: z.string().optional(),
    webhookUrl: z.string().optional(),
  })
  .strict();

/** The config as zod parsed it; strategy and traffic are refined by core in the loader. */
export type ParsedStackConfig = z.infer<typeof stackConfigSchema>;

/** Keys whose values must be Pulumi secrets (`pulumi config set --secret`). */
export const SECRET_KEYS = ["secretEnv", "slackWebhookUrl", "webhookUrl"] as const;

/** Every key the loader knows, for "unknown key" errors. */
export const KNOWN_KEYS = Object.keys(stackConfigSchema.shape) as readonly string[];
