// Tool results: a short text and a structured object, errors included (an agent reads an error
// result and corrects itself; a protocol error would only say the call failed). Every result and
// notification passes through a Redactor that knows the secret values of the stacks it has opened.
import { z } from "zod";
import { classifyError } from "../driver/errors";

/** The structured content of every tool's result. */
export const RESULT_SHAPE = {
  ok: z
    .boolean()
    .describe("false when the call was refused or failed; nothing was changed then unless `data` says so"),
  summary: z.string().describe("what happened, in one or two sentences"),
  data: z.record(z.string(), z.unknown()).optional().describe("the tool's result"),
  error: z
    .object({
      kind: z.string().describe("usage, config, unknownStack, inProgress, locked, preflight, refused, ..."),
      message: z.string(),
      field: z.string().optional().describe("the argument or setting at fault"),
      value: z.string().optional().describe("the value given"),
      fix: z.string().optional().describe("what to do instead"),
    })
    .optional(),
};

/** The result shape a tool callback returns (the SDK's CallToolResult, as far as ours go). */
export interface ToolResult {
  [key: string]: unknown;
  content: Array<{ type: "text"; text: string }>;
  structuredContent: Record<string, unknown>;
  isError?: boolean;
}

/** Replaces every known secret value in text and JSON with "[secret]". */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** Values shorter than 4 characters are not secrets worth hiding (and would blank ordinary text). */
  add(values: Iterable<unknown>): void {
    for (const v of values) if (typeof v === "string" && v.length >= 4) this.secrets.add(v);
  }

  text(s: string): string {
    let out = s;
    for (const secret of this.secrets) out = out.split(secret).join("[secret]");
    return out;
  }

  /** A JSON-able value with every secret replaced (dates become ISO strings). */
  json<T>(value: T): T {
    const s = JSON.stringify(value ?? null);
    return JSON.parse(this.text(s)) as T;
  }
}

/** A successful result. */
export function ok(redact: Redactor, summary: string, data: Record<string, unknown>): ToolResult {
  const structured = redact.json({ ok: true, summary, data });
  return { content: [{ type: "text", text: structured.summary }], structuredContent: structured };
}

/** A call the tool itself turned down: its kind, the field, the value and the fix. */
export abstract class ToolError extends Error {
  abstract readonly kind: "refused" | "usage";
  constructor(
    readonly field: string,
    readonly value: string,
    readonly fix: string,
    message: string,
  ) {
    super(message);
  }
}

/** A tool argument that does not fit, found by the tool before anything is opened or written. */
export class InputError extends ToolError {
  readonly kind = "usage";
  constructor(field: string, value: string, problem: string, fix: string) {
    super(field, value, fix, `${field} (${value}): ${problem}; ${fix}`);
    this.name = "InputError";
  }
}

/** A failed or refused call as a result: the field, the value and the fix where known. */
export function failure(redact: Redactor, err: unknown): ToolResult {
  const e = err instanceof ToolError ? err : classifyError(err);
  const error =
    e instanceof ToolError
      ? { kind: e.kind, message: e.message, field: e.field, value: e.value, fix: e.fix }
      : { kind: e.kind, message: e.message };
  const structured = redact.json({ ok: false, summary: error.message, error });
  return {
    content: [{ type: "text", text: structured.summary }],
    structuredContent: structured,
    isError: true,
  };
}
