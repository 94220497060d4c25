// no-secret-flag-variants: a flag's variants are plain data in a flag file, a ConfigMap or a
// configuration store that every reader of the flag can read, so no variant value may hold or name
// a secret: no field named like one (password, token, apiKey...) and no string shaped like a
// credential (private key, cloud access key, bearer token, URL with a password). Messages name the
// flag, the variant and the field, never the value.

import type { Violation } from "../model";
import { defineRule, quote, type RuleOptions } from "../rule";
import { DEFAULT_IGNORED_NAME, DEFAULT_SECRET_NAME } from "./noPlaintextSecrets";

/** Config of {@link noSecretFlagVariants}. */
export interface NoSecretFlagVariantsConfig {
  /** Field names that look secret (a case-insensitive regular expression). */
  readonly namePattern: string;
  /** Field names that look secret but only point at one (a case-insensitive regular expression). */
  readonly ignorePattern: string;
  /** String values shaped like credentials (a regular expression). */
  readonly valuePattern: string;
}

/** Private keys, AWS access keys, GitHub, Slack and Stripe tokens, JWTs, URLs with a password. */
export const DEFAULT_SECRET_VALUE = [
  "-----BEGIN [A-Z ]*PRIVATE KEY-----",
  "\\b(AKIA|ASIA)[0-9A-Z]{16}\\b",
  "\\bgh[pousr]_[A-Za-z0-9]{36,}",
  "\\bxox[abpr]-[A-Za-z0-9-]{10,}",
  "\\beyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\.",
  "\\bsk_live_[0-9A-Za-z]{16,}",
  "://[^/\\s:@]+:[^/\\s@]+@",
].join("|");

/** Every (path, value) below a variant's value; keys are object fields, `[i]` array items. */
function* walk(value: unknown, path: string): Generator<{ path: string; key?: string; value: unknown }> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* walk(value[i], `${path}[${i}]`);
    return;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const at = path ? `${path}.${k}` : k;
      yield { path: at, key: k, value: v };
      yield* walk(v, at);
    }
    return;
  }
  yield { path, value };
}

/** Refuses flag variants that hold or name a secret. */
export function noSecretFlagVariants(options: RuleOptions<NoSecretFlagVariantsConfig> = {}) {
  return defineRule<NoSecretFlagVariantsConfig>(
    {
      name: "no-secret-flag-variants",
      description:
        "Feature flag variants hold no secrets: no secret-looking field names and no credential-shaped values.",
      enforcementLevel: "mandatory",
      environments: ["*"],
      defaults: {
        namePattern: DEFAULT_SECRET_NAME,
        ignorePattern: DEFAULT_IGNORED_NAME,
        valuePattern: DEFAULT_SECRET_VALUE,
      },
      schema: {
        namePattern: {
          type: "string",
          description: "Field names that look secret (case-insensitive regular expression).",
        },
        ignorePattern: {
          type: "string",
          description:
            "Field names that only point at a secret, such as *_FILE (case-insensitive regular expression).",
        },
        valuePattern: {
          type: "string",
          description: "String values shaped like credentials (regular expression).",
        },
      },
      check(view, config) {
        const secretName = new RegExp(config.namePattern, "i");
        const ignored = config.ignorePattern ? new RegExp(config.ignorePattern, "i") : undefined;
        const secretValue = config.valuePattern ? new RegExp(config.valuePattern) : undefined;
        const out: Violation[] = [];
        for (const flag of view.flags ?? []) {
          for (const [variant, value] of Object.entries(flag.variants)) {
            for (const item of walk(value, "")) {
              const field = item.path ? ` field ${quote(item.path)}` : " value";
              const where = `variant ${quote(variant)} of flag ${quote(flag.name)}`;
              if (item.key !== undefined && secretName.test(item.key) && !ignored?.test(item.key)) {
                out.push({
                  message: `Keep secrets out of ${where}: its${field} is named like a secret; read the secret from a secret store in the application and let the flag only switch behaviour.`,
                  urn: flag.urn,
                });
              } else if (typeof item.value === "string" && secretValue?.test(item.value)) {
                out.push({
                  message: `Keep secrets out of ${where}: its${field} looks like a credential; flag stores are readable by every reader of the flag.`,
                  urn: flag.urn,
                });
              }
            }
          }
        }
        return out;
      },
    },
    options,
  );
}
