// How a rule becomes a Pulumi stack policy: its config (defaults, then the factory's options,
// then the pack config the engine passes), the environment it applies in, the view, and the
// violations reported against the resource they name.
//
// Every rule is a stack validation: only there does a policy see what the progressive components
// registered as outputs (the strategy, the versions); a resource validation sees a component's
// inputs, which are empty. Verified with the real engine (test/engine/policies.test.ts).

import type {
  EnforcementLevel,
  PolicyConfigSchema,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { appliesIn, describeEnvironment, detectEnvironment } from "./environment";
import type { DeploymentView, Violation } from "./model";
import { buildView } from "./view";

/** One property of a rule's config schema (a JSON schema). */
export type ConfigProperty = PolicyConfigSchema["properties"][string];

/** Config every rule takes. */
export interface CommonConfig {
  /** Environment of the stack, e.g. "prod"; "" detects it (stack tag `environment`, then the stack name). */
  readonly environment: string;
  /** Environments the rule applies in: "*", a class such as "prod" (also "production", "prod-eu"), or an exact name. */
  readonly environments: readonly string[];
}

const COMMON_SCHEMA: Record<keyof CommonConfig, ConfigProperty> = {
  environment: {
    type: "string",
    description:
      'Environment of the stack, e.g. "prod"; empty: the stack tag `environment`, else the stack name.',
  },
  environments: {
    type: "array",
    items: { type: "string" },
    description:
      'Environments the rule applies in: "*", a class ("prod" also matches "production" and "prod-eu") or an exact name.',
  },
};

/** What a rule module declares. */
export interface RuleDefinition<C extends object> {
  /** Kebab-case policy name. */
  readonly name: string;
  readonly description: string;
  /** Level when the pack config sets none. */
  readonly enforcementLevel: EnforcementLevel;
  /** Environments it applies in unless configured. */
  readonly environments: readonly string[];
  /** The rule's own config defaults. */
  readonly defaults: C;
  /** JSON schema of each own config property (defaults are added from `defaults`). */
  readonly schema: { readonly [K in keyof C]: ConfigProperty };
  /** Why the rule has nothing to check with this config, if so (e.g. an empty allow-list). @default always applicable */
  inapplicable?(config: C & CommonConfig): string | undefined;
  /** The check: violations for a view, given the full config. */
  check(view: DeploymentView, config: C & CommonConfig): readonly Violation[];
}

/** Options of a rule factory: any config default, and the enforcement level. */
export type RuleOptions<C extends object> = Partial<C & CommonConfig> & {
  readonly enforcementLevel?: EnforcementLevel;
};

/** Builds the stack policy of a rule; `options` replace the rule's defaults. */
export function defineRule<C extends object>(
  def: RuleDefinition<C>,
  options: RuleOptions<C> = {},
): StackValidationPolicy {
  const { enforcementLevel, ...given } = options;
  const defaults = {
    environment: "",
    environments: def.environments,
    ...def.defaults,
    ...given,
  } as C & CommonConfig;
  const schema: Record<string, ConfigProperty> = { ...COMMON_SCHEMA, ...def.schema };
  const properties: Record<string, ConfigProperty> = {};
  for (const [key, property] of Object.entries(schema)) {
    // The engine fills unset config from these defaults, so getConfig() always has every key.
    properties[key] = {
      ...property,
      default: defaults[key as keyof typeof defaults] as ConfigProperty["default"],
    };
  }
  return {
    name: def.name,
    description: def.description,
    enforcementLevel: enforcementLevel ?? def.enforcementLevel,
    configSchema: { properties },
    validateStack(args: StackValidationArgs, report) {
      const config = { ...defaults, ...args.getConfig<Partial<C & CommonConfig>>() };
      const environment = detectEnvironment({
        configured: config.environment,
        stackTags: args.stackTags,
        urns: args.resources.map((r) => r.urn),
      });
      if (!appliesIn(environment, config.environments)) {
        args.notApplicable(
          `applies in ${config.environments.join(", ")}; the stack is ${describeEnvironment(environment)}`,
        );
      }
      const reason = def.inapplicable?.(config);
      if (reason !== undefined) args.notApplicable(reason);
      const view = buildView(args.resources, environment);
      for (const violation of def.check(view, config)) report(violation.message, violation.urn);
    },
  };
}

/** `"web"` for messages. */
export function quote(name: string): string {
  return JSON.stringify(name);
}

/** `a, b and c` (or `a, b or c`). */
export function listing(items: readonly string[], conjunction: "and" | "or" = "and"): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}
