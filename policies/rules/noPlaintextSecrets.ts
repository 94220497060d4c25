// no-plaintext-secrets: an environment variable whose name looks secret (PASSWORD, TOKEN, SECRET,
// KEY...) gets its value from the platform's secret store, never as a plain value in the workload's
// definition (where anyone who can read the Deployment or the state can read it). Messages name the
// variable, never its value.

import type { Violation } from "../model";
import { defineRule, quote, type RuleOptions } from "../rule";
import { containerLabel, containersOf } from "./scope";

/** Config of {@link noPlaintextSecrets}. */
export interface NoPlaintextSecretsConfig {
  /** Names that look secret (a case-insensitive regular expression). */
  readonly namePattern: string;
  /** Names that look secret but only point at one (a case-insensitive regular expression). */
  readonly ignorePattern: string;
  /** Exact names that are not secret. @default [] */
  readonly allowedNames: readonly string[];
}

/** PASSWORD, SECRET, TOKEN... anywhere in the name; KEY, PWD, PRIVATE as a whole word (not MONKEY). */
export const DEFAULT_SECRET_NAME =
  "(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL)|(^|[_.-])(KEY|APIKEY|PWD|PRIVATE)([_.-]|$)";
/** Names ending like these hold a location or an identifier, not the secret. */
export const DEFAULT_IGNORED_NAME = "(_FILE|_PATH|_DIR|_NAME|_ID)$";

/** Refuses secret-looking environment variables with plain values. */
export function noPlaintextSecrets(options: RuleOptions<NoPlaintextSecretsConfig> = {}) {
  return defineRule<NoPlaintextSecretsConfig>(
    {
      name: "no-plaintext-secrets",
      description:
        "Secret-looking environment variables (PASSWORD, TOKEN, SECRET, KEY...) come from a secret store, not plain values.",
      enforcementLevel: "mandatory",
      environments: ["*"],
      defaults: { namePattern: DEFAULT_SECRET_NAME, ignorePattern: DEFAULT_IGNORED_NAME, allowedNames: [] },
      schema: {
        namePattern: {
          type: "string",
          description: "Names that look secret (case-insensitive regular expression).",
        },
        ignorePattern: {
          type: "string",
          format: "regex",
          description:
            "Names that only point at a secret, such as *_FILE (case-insensitive regular expression).",
        },
        allowedNames: {
          type: "array",
          items: { type: "string" },
          description: "Exact names that are not secret.",
        },
      },
      check(view, config) {
        const secretName = new RegExp(config.namePattern, "i");
        const ignored = config.ignorePattern ? new RegExp(config.ignorePattern, "i") : undefined;
        const out: Violation[] = [];
        for (const item of containersOf(view, true)) {
          for (const env of item.container.env) {
            if (
              !secretName.test(env.name) ||
              ignored?.test(env.name) ||
              config.allowedNames.includes(env.name)
            ) {
              continue;
            }
            const fix = `Read ${env.name} of ${containerLabel(item)} from a secret (secretEnv; valueFrom.secretKeyRef on Kubernetes)`;
            if (env.source === "value" && !env.empty) {
              out.push({ message: `${fix}: it is a plain value.`, urn: item.workload.urn });
            } else if (env.source === "reference" && env.detail === "configMapKeyRef") {
              out.push({
                message: `${fix}: it comes from a ConfigMap (${quote("configMapKeyRef")}), which is not secret.`,
                urn: item.workload.urn,
              });
            }
          }
        }
        return out;
      },
    },
    options,
  );
}
