// Who may do what through the dashboard, decided before any driver code runs: the page is read-only
// unless the server was started with allowChanges, and then a change needs the server's token (a
// header, so another site's page cannot forge one); stacks outside the list are refused. The
// driver's own locks and gates apply after this, unchanged, as for the CLI.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { classifyError, type ReleaseErrorKind } from "../driver/errors";
import { ToolError } from "../mcp/results";

/** The environment variable that gives the token when --token is not. */
export const TOKEN_ENV = "PROGRESSIVE_DASHBOARD_TOKEN";

/** A request turned down: its HTTP status, the field, the value and the fix. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly field: string,
    readonly value: string,
    readonly fix: string,
    message: string,
  ) {
    super(message);
    this.name = "RequestError";
  }
}

const STATUS_OF: Partial<Record<ReleaseErrorKind, number>> = {
  usage: 400,
  config: 400,
  sameVersion: 400,
  preflight: 400,
  unknownStack: 404,
  inProgress: 409,
  locked: 409,
};

/** The JSON body and status of any failure: the field, the value and the fix where known. */
export function errorBody(err: unknown): { status: number; body: Record<string, unknown> } {
  if (err instanceof RequestError || err instanceof ToolError) {
    const status = err instanceof RequestError ? err.status : err.kind === "refused" ? 403 : 400;
    const { field, value, fix, message } = err;
    return { status, body: { ok: false, error: { status, message, field, value, fix } } };
  }
  const e = classifyError(err);
  const status = STATUS_OF[e.kind] ?? 500;
  return { status, body: { ok: false, error: { status, kind: e.kind, message: e.message } } };
}

/** The token changes need: the one given, else a new random one (printed at start). */
export function chooseToken(given: string | undefined): string {
  if (given !== undefined && given.length < 16)
    throw new RequestError(
      400,
      "token",
      `${given.length} characters`,
      "give at least 16 characters (or none: a random token is made and printed)",
      `token (${given.length} characters): too short to guard changes`,
    );
  return given ?? randomBytes(24).toString("base64url");
}

/** Refuses a change on a read-only server, or one without the right token. */
export function checkChange(
  action: string,
  token: string | undefined,
  authorization: string | undefined,
): void {
  if (token === undefined)
    throw new RequestError(
      403,
      "allow-changes",
      action,
      "restart the dashboard with --allow-changes (progressive dashboard --allow-changes)",
      `${action} changes traffic, and this dashboard is read-only; nothing was changed`,
    );
  const given = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
  const a = Buffer.from(given ?? "");
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b))
    throw new RequestError(
      401,
      "token",
      given === undefined ? "missing" : "wrong",
      "send the token the dashboard printed at start (or its --token) as Authorization: Bearer <token>",
      `${action} needs the dashboard's token; nothing was changed`,
    );
}

/** The hosts a request may name: the one listened on and the loopback names (no DNS rebinding). */
export function checkHost(hostHeader: string | undefined, listenHost: string): void {
  const name = (hostHeader ?? "").replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  const allowed = new Set([listenHost.replace(/^\[|\]$/g, ""), "localhost", "127.0.0.1", "::1"]);
  if (allowed.has(name) || listenHost === "0.0.0.0" || listenHost === "::") return;
  throw new RequestError(
    421,
    "host",
    name || "missing",
    `open the dashboard at ${listenHost} or localhost`,
    `requests must name the dashboard's own host (${listenHost}), not ${JSON.stringify(name)}`,
  );
}
