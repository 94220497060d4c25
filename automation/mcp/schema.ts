// The tools' argument schemas (each error names the field, the value and the fix, so an agent can
// correct the call) and the shape of a tool's definition.
import { z } from "zod";
import { checkVersionLabel, formatValue, type Problem } from "../../components/core";
import type { Call, ToolContext } from "./context";
import { InputError, type ToolResult } from "./results";

const shown = (input: unknown) => (input === undefined ? "missing" : formatValue(input));

/** A string argument whose type errors say the field, the value and an example. */
function text(field: string, example: string, describe: string) {
  return z
    .string({ error: (i) => `${field} (${shown(i.input)}): must be a string, e.g. ${example}` })
    .min(1, { error: `${field} (""): must not be empty, e.g. ${example}` })
    .describe(describe);
}

export const stack = text("stack", "dev", "the stack to act on (pulumi stack name)");
export const service = text(
  "service",
  "web",
  "which service of the stack (its component's Pulumi name); needed only when it has several",
).optional();
export const version = text("version", "v2", "the version label to release (the component's `version`)");

/** A yes/no argument whose type error says the field and the value. */
export function yesNo(field: string, describe: string) {
  return z
    .boolean({ error: (i) => `${field} (${shown(i.input)}): must be true or false` })
    .optional()
    .describe(describe);
}

/** A version label checked as the components check it, before anything is opened. */
export function checkVersion(value: string, field = "version"): string {
  const problems: Problem[] = [];
  checkVersionLabel(value, field, problems);
  const p = problems[0];
  if (p) throw new InputError(p.path, formatValue(p.value), p.message, p.fix);
  return value;
}

/** A tool: its name, the description's group, schema, annotations and what it does. */
export interface ToolSpec<S extends z.ZodRawShape = z.ZodRawShape> {
  readonly name: string;
  /** The group of the original description's tool list (deployment_orchestrator, ...). */
  readonly group: string;
  readonly title: string;
  readonly description: string;
  readonly input: S;
  /** Set for a tool that changes traffic or settings. @default read-only */
  readonly changes?: { readonly idempotent: boolean };
  run(ctx: ToolContext, args: z.infer<z.ZodObject<S>>, call: Call): Promise<ToolResult>;
}

/** A tool definition, typed by its own schema, kept in a list of any tools. */
export function tool<S extends z.ZodRawShape>(spec: ToolSpec<S>): ToolSpec {
  return spec as unknown as ToolSpec;
}
