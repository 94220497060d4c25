// Small readers for provider specs and query objects that come from configuration. Each
// throws MetricConfigError naming the field, the value and the fix.
import { MetricConfigError } from "./types";

/** Reads fields of one object; `subject` and `prefix` make the messages, e.g. `prometheus "p"` / `query`. */
export class FieldReader {
  private readonly obj: Readonly<Record<string, unknown>>;
  private readonly subject: string;
  private readonly prefix: string;

  constructor(obj: unknown, subject: string, prefix: string) {
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
      throw new MetricConfigError(subject, prefix, obj, "must be an object", `give ${prefix} as { ... }`);
    }
    this.obj = obj as Readonly<Record<string, unknown>>;
    this.subject = subject;
    this.prefix = prefix;
  }

  /** Throws a MetricConfigError for `field`. */
  fail(field: string, problem: string, fix: string): never {
    throw new MetricConfigError(this.subject, `${this.prefix}.${field}`, this.obj[field], problem, fix);
  }

  /** A reader of the object in `field`, with messages naming `prefix.field`. */
  child(field: string): FieldReader {
    return new FieldReader(this.obj[field], this.subject, `${this.prefix}.${field}`);
  }

  /** The raw value of `field`. */
  raw(field: string): unknown {
    return this.obj[field];
  }

  /** A non-empty string. */
  string(field: string, fix: string): string {
    const v = this.obj[field];
    if (typeof v !== "string" || v.trim() === "") this.fail(field, "must be a non-empty string", fix);
    return v;
  }

  /** A non-empty string, or `fallback` when the field is not set. */
  optionalString<T extends string | undefined>(field: string, fallback: T, fix: string): string | T {
    return this.obj[field] === undefined ? fallback : this.string(field, fix);
  }

  /** One of `allowed`, or `fallback` when the field is not set. */
  oneOf<T extends string>(field: string, allowed: readonly T[], fallback: T | undefined): T {
    const v = this.obj[field];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
      this.fail(
        field,
        `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`,
        `set ${field} to one of those`,
      );
    }
    return v as T;
  }

  /** A finite number from `min` to `max`, or `fallback` when the field is not set. */
  number(field: string, fallback: number | undefined, min: number, max: number, integer = false): number {
    const v = this.obj[field];
    if (v === undefined && fallback !== undefined) return fallback;
    const ok =
      typeof v === "number" &&
      Number.isFinite(v) &&
      v >= min &&
      v <= max &&
      (!integer || Number.isInteger(v));
    if (!ok)
      this.fail(
        field,
        `must be ${integer ? "an integer" : "a number"} from ${min} to ${max}`,
        `use e.g. ${fallback ?? min}`,
      );
    return v as number;
  }

  /** An http(s) URL. */
  url(field: string, fix: string): string {
    const v = this.string(field, fix);
    let parsed: URL;
    try {
      parsed = new URL(v);
    } catch {
      // Do not echo a URL that may carry credentials.
      throw new MetricConfigError(
        this.subject,
        `${this.prefix}.${field}`,
        "<hidden>",
        "is not a valid URL",
        fix,
      );
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new MetricConfigError(
        this.subject,
        `${this.prefix}.${field}`,
        parsed.protocol,
        "must use http or https",
        fix,
      );
    }
    return v;
  }

  /** A record of string values, or `{}` when the field is not set. */
  stringRecord(field: string, fix: string): Readonly<Record<string, string>> {
    const v = this.obj[field];
    if (v === undefined) return {};
    if (typeof v !== "object" || v === null || Array.isArray(v))
      this.fail(field, "must be an object of strings", fix);
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== "string") {
        throw new MetricConfigError(this.subject, `${this.prefix}.${field}.${k}`, x, "must be a string", fix);
      }
    }
    return v as Readonly<Record<string, string>>;
  }
}
