// HTTP helpers shared by the metric providers and the notifiers: one fetch with a deadline
// that also honours the caller's AbortSignal, and URL forms that are safe to print.

/** Why a request produced no response. */
export type FetchFailure = "timeout" | "aborted" | "unreachable";

/** A request that got no HTTP response. The message never contains the URL. */
export class FetchError extends Error {
  /** `timeout` (our deadline passed), `aborted` (the caller's signal) or `unreachable`. */
  readonly failure: FetchFailure;

  constructor(failure: FetchFailure, message: string) {
    super(message);
    this.name = "FetchError";
    this.failure = failure;
  }
}

/** A completed request: status, headers, the whole body as text, and how long it took. */
export interface FetchResult {
  /** HTTP status code. */
  readonly status: number;
  /** Response headers. */
  readonly headers: Headers;
  /** The body, read completely (within the same deadline). */
  readonly body: string;
  /** Milliseconds from sending the request to the end of the body. */
  readonly elapsedMs: number;
}

/** Options of {@link fetchText}. */
export interface FetchTextOptions {
  /** Deadline for the request including the body, in milliseconds. */
  readonly timeoutMs: number;
  /** The caller's signal; aborting it aborts the request. @default none */
  readonly signal?: AbortSignal | undefined;
}

function describeCause(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const text = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
  // Node's connection errors name the address (host:port), never the path; keep only the code
  // and a short text so no caller-supplied string can leak.
  if (typeof code === "string") {
    const known: Record<string, string> = {
      ECONNREFUSED: "connection refused",
      ECONNRESET: "connection reset",
      ENOTFOUND: "host not found",
      EAI_AGAIN: "host lookup failed",
      EHOSTUNREACH: "host unreachable",
      ETIMEDOUT: "connect timed out",
      UND_ERR_SOCKET: "socket closed",
    };
    return `${known[code] ?? "network error"} (${code})`;
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * Sends one request and reads the whole body, failing after `timeoutMs`. Throws
 * {@link FetchError} when there is no response; never throws for a non-2xx status.
 * If the caller's signal is aborted, its reason is thrown as is, so aborts stay aborts.
 */
export async function fetchText(
  url: string,
  init: RequestInit,
  opts: FetchTextOptions,
): Promise<FetchResult> {
  opts.signal?.throwIfAborted();
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal, redirect: init.redirect ?? "manual" });
    const body = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body,
      elapsedMs: performance.now() - started,
    };
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (deadline.aborted) throw new FetchError("timeout", `no response within ${opts.timeoutMs} ms`);
    throw new FetchError("unreachable", describeCause(err));
  }
}

/**
 * The URL without user name, password, query or fragment: `https://prom.example:9090/api/v1/query`.
 * For endpoints whose address is not secret but whose credentials are. Unparseable input
 * gives `<invalid URL>`.
 */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "<invalid URL>";
  }
}

/**
 * Scheme and host only, then `/…`: `https://hooks.slack.com/…`. For URLs that are secrets
 * in themselves (webhooks carry their token in the path).
 */
export function redactSecretUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return "<invalid URL>";
  }
}

/**
 * Splits `user:password@` out of a URL into a Basic `Authorization` header, since fetch refuses
 * URLs with credentials. Returns the clean URL and the header (undefined when there are none).
 */
export function splitCredentials(url: string): { url: string; authorization: string | undefined } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url: u.toString(), authorization: undefined };
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  u.username = "";
  u.password = "";
  const token = Buffer.from(`${user}:${pass}`).toString("base64");
  return { url: u.toString(), authorization: `Basic ${token}` };
}

/** Joins a base URL and a path without doubling or losing the slash: (`http://h/x/`, `api`) -> `http://h/x/api`. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
