// The shape of this project's stack config, as zod schemas. zod because its schemas are the
// TypeScript types (one source for validation and typing), it reports every issue with its path
// rather than the first, and it is plain JavaScript with no code generation. Strategy, traffic and
// health are checked by components/core (the same rules the components apply), not here.
import { z } from "zod";

/** Environment names: lower-case words, e.g. dev, staging, prod, qa-eu. */
export const environmentName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, "must be a lower-case name such as dev, staging or prod");

/** Platforms this project's own stack program deploys to (the components run on more: core's PlatformName). */
export const STACK_PLATFORMS = ["local", "kubernetes"] as const;
export type StackPlatform = (typeof STACK_PLATFORMS)[number];

// `pulumi config set` without `--type`, and a stack file the CLI rewrote (e.g. after `pulumi stack
// init`), keep booleans and numbers as strings ("true", "3"); accept those as what they say.
const bool = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());
const int = z.preprocess(
  (v) => (typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v),
  z.number().int(),
);
const port = int.pipe(z.number().min(0).max(65535));
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
    replicas: int.pipe(z.number().min(1)),
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

export const loggingSchema = z
  .object({
    level: z.enum(["debug", "info", "warn", "error"]),
    verbose: bool.default(false),
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
    platform: z.enum(STACK_PLATFORMS),
    service: serviceSchema,
    /** The version of the first deploy; after a release, `progressive:traffic` holds the truth. */
    version: z.string().default("v1"),
    strategy: z.object({ kind: z.string() }).passthrough(),
    logging: loggingSchema,
    allowPlaintextSecrets: bool.default(false),
    secretEnv: stringMap.default({}),
    secretRefs: z.record(z.string(), secretRefSchema).default({}),
  })
  .strict();

/** The config as zod parsed it; the strategy is refined by core in the loader. */
export type ParsedStackConfig = z.infer<typeof stackConfigSchema>;

/** Keys whose values must be Pulumi secrets (`pulumi config set --secret`). */
export const SECRET_KEYS = ["secretEnv"] as const;

/** Every key the loader knows, for "unknown key" errors. */
export const KNOWN_KEYS = Object.keys(stackConfigSchema.shape) as readonly string[];
