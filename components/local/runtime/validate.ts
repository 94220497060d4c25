// Small field validators shared by the runtime's config and routing-table parsers.
// Every error names the field, the value that was given and what is expected.

/** An invalid configuration or routing table. `field` is a dotted path such as `versions[1].weight`. */
export class ConfigError extends Error {
  /** Dotted path of the offending field. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "ConfigError";
    this.field = field;
  }
}

/** A plain JSON object. */
export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Short, safe rendering of a value for error messages. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function record(value: unknown, field: string): JsonRecord {
  if (!isRecord(value)) throw new ConfigError(field, `must be an object, got ${show(value)}`);
  return value;
}

export function optRecord(value: unknown, field: string): JsonRecord | undefined {
  return value === undefined ? undefined : record(value, field);
}

export function str(value: unknown, field: string, pattern?: RegExp, hint?: string): string {
  if (typeof value !== "string" || value.length === 0) {
    throw new ConfigError(field, `must be a non-empty string, got ${show(value)}`);
  }
  if (pattern && !pattern.test(value)) {
    throw new ConfigError(field, `${show(value)} is not valid: ${hint ?? `expected ${pattern}`}`);
  }
  return value;
}

export function optStr(value: unknown, field: string, fallback: string): string {
  return value === undefined ? fallback : str(value, field);
}

export function int(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, `must be an integer from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

export function optInt(value: unknown, field: string, min: number, max: number, fallback: number): number {
  return value === undefined ? fallback : int(value, field, min, max);
}

export function optBool(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new ConfigError(field, `must be true or false, got ${show(value)}`);
  return value;
}

export function arr(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new ConfigError(field, `must be an array, got ${show(value)}`);
  return value;
}

/** Rejects keys that are not in `known`, so a typo never silently falls back to a default. */
export function noUnknownKeys(value: JsonRecord, field: string, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const where = field ? `${field}.${key}` : key;
      throw new ConfigError(where, `unknown field; expected one of ${known.join(", ")}`);
    }
  }
}

/** Names of versions and services: letters, digits, `.`, `_`, `-`; starts with a letter or digit. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const NAME_HINT = "use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit";

/** True for addresses that only accept connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function loopbackHost(value: unknown, field: string): string {
  const host = optStr(value, field, "127.0.0.1");
  if (!isLoopbackHost(host)) {
    throw new ConfigError(
      field,
      `${show(host)} is not a loopback address; use 127.0.0.1 (local platform only)`,
    );
  }
  return host;
}
