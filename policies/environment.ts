// Which environment a stack is. Pulumi gives a policy its own config, the stack's tags and the
// resources, not the stack's config; the stack name is part of every URN
// (`urn:pulumi:<stack>::<project>::...`). So the pack takes, in order: the rule's `environment`
// config, a stack tag `environment`, then the stack name.

import type { EnvironmentInfo } from "./model";

/** Names that mean the same environment class. */
const ALIASES: Readonly<Record<string, string>> = {
  production: "prod",
  prd: "prod",
  live: "prod",
  stage: "staging",
  stg: "staging",
  development: "dev",
  develop: "dev",
};

/** The stack name in a URN, or undefined when it is not a URN. */
export function stackFromUrn(urn: string): string | undefined {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  return match?.[1];
}

/**
 * The class of an environment name: its last path segment ("acme/web/prod" -> "prod"), first
 * word ("prod-eu", "prod_2", "prod.blue" -> "prod"), lowercase, aliases resolved.
 */
export function environmentClass(name: string): string {
  const last = name.trim().toLowerCase().split("/").pop() ?? "";
  const first = last.split(/[-_.]/)[0] ?? "";
  return ALIASES[first] ?? first;
}

/** Where the environment can come from, best first. */
export interface EnvironmentSources {
  /** The rule's `environment` config. */
  readonly configured?: string;
  readonly stackTags?: ReadonlyMap<string, string>;
  /** URNs of the stack's resources; any one carries the stack name. */
  readonly urns?: readonly string[];
}

/** Decides the environment from config, then the `environment` stack tag, then the stack name. */
export function detectEnvironment(sources: EnvironmentSources): EnvironmentInfo {
  const pick = (name: string, source: EnvironmentInfo["source"]): EnvironmentInfo => ({
    name,
    class: environmentClass(name),
    source,
  });
  if (sources.configured?.trim()) return pick(sources.configured.trim(), "config");
  const tag = sources.stackTags?.get("environment")?.trim();
  if (tag) return pick(tag, "stack-tag");
  for (const urn of sources.urns ?? []) {
    const stack = stackFromUrn(urn);
    if (stack) return pick(stack, "stack-name");
  }
  return { name: "", class: "", source: "unknown" };
}

/**
 * Whether a rule that applies in `environments` applies here: "*" matches every environment; a
 * one-word entry is a class ("prod" matches "prod", "production" and "prod-eu"); any other entry
 * must equal the environment's name ("prod-eu" matches only "prod-eu").
 */
export function appliesIn(environment: EnvironmentInfo, environments: readonly string[]): boolean {
  return environments.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (e === "*") return true;
    if (environment.name === "") return false;
    if (/[-_./]/.test(e)) return e === environment.name.toLowerCase();
    return environmentClass(e) === environment.class;
  });
}

/** How an environment is named in messages: `prod` or `prod-eu (prod)`. */
export function describeEnvironment(environment: EnvironmentInfo): string {
  if (environment.name === "") return "this stack";
  const name = environment.name;
  return name.toLowerCase() === environment.class ? name : `${name} (${environment.class})`;
}
