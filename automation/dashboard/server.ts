// The release dashboard: one HTML page and its script (./page, served as files, no build step), the
// state as JSON, live updates by server-sent events (the store is polled every ~300 ms and a
// change is pushed at once), each release's report, and promote / abort behind a token when
// started with allowChanges. Loopback by default.
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { abortCommand, promoteCommand } from "../driver/commands";
import { reportCommand } from "../driver/store-commands";
import type { ReleaseResult } from "../driver/types";
import { listStacks } from "../driver/workspace";
import { type McpServerOptions, ToolContext } from "../mcp/context";
import { Refusal } from "../mcp/guard";
import { checkChange, checkHost, chooseToken, errorBody, RequestError, TOKEN_ENV } from "./access";
import type { DashboardState } from "./view";
import { StackWatcher } from "./watcher";

/** How the dashboard is started. */
export interface DashboardOptions
  extends Pick<McpServerOptions, "workDir" | "env" | "pulumiPath" | "store" | "stacks"> {
  /** The port to listen on; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** The address to listen on. @default "127.0.0.1" (loopback only) */
  readonly host?: string;
  /** Allow promote and abort from the page, behind the token. @default false: read-only */
  readonly allowChanges?: boolean;
  /** The token changes need. @default $PROGRESSIVE_DASHBOARD_TOKEN, else a random one */
  readonly token?: string;
  /** How often the release store is read, in milliseconds. @default 300 */
  readonly pollMs?: number;
  /** Who changes are recorded as made by. @default "dashboard" */
  readonly actor?: string;
}

/** A running dashboard. */
export interface Dashboard {
  /** The page's address (without the token). */
  readonly url: string;
  /** The token changes need; undefined on a read-only dashboard. */
  readonly token: string | undefined;
  /** What the page shows now. */
  state(): DashboardState;
  /** Stops polling, ends the live streams and closes the server. */
  close(): Promise<void>;
}

const PAGE_DIR = path.join(__dirname, "page");
const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
};
/** At most this many pages may follow the live stream at once. */
const MAX_STREAMS = 32;
const ACTIONS = ["promote", "abort"] as const;
type Action = (typeof ACTIONS)[number];

/** Starts the dashboard; resolves once it listens. */
export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const host = options.host ?? "127.0.0.1";
  const token = options.allowChanges ? chooseToken(options.token ?? process.env[TOKEN_ENV]) : undefined;
  const stacks =
    options.stacks ??
    (await listStacks({
      ...(options.workDir ? { workDir: options.workDir } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.pulumiPath ? { pulumiPath: options.pulumiPath } : {}),
    }));
  const ctx = new ToolContext({ ...options, stacks, allowChanges: options.allowChanges === true });
  const watchers = new Map(stacks.map((s) => [s, new StackWatcher(ctx, s)]));
  const stop = new AbortController();
  const streams = new Set<http.ServerResponse>();
  let json = "";

  const state = (): DashboardState =>
    ctx.redact.json({
      generatedAt: new Date().toISOString(),
      readOnly: token === undefined,
      stacks: [...watchers.values()].map((w) => w.current),
    });
  const push = () => {
    const next = JSON.stringify({ ...state(), generatedAt: "" });
    if (next === json) return;
    json = next;
    const frame = `event: state\ndata: ${JSON.stringify(state())}\n\n`;
    for (const res of streams) res.write(frame);
  };
  const poll = async () => {
    const every = options.pollMs ?? 300;
    while (!stop.signal.aborted) {
      const started = Date.now();
      await Promise.all([...watchers.values()].map((w) => w.poll()));
      push();
      // A fixed rate, not a fixed pause: a slow read does not delay the next one further.
      await new Promise((r) => setTimeout(r, Math.max(20, every - (Date.now() - started))));
    }
  };

  /** The watcher of a stack the request names: refused outside the list, unknown when it cannot be opened. */
  const watcherOf = async (stack: string): Promise<StackWatcher> => {
    try {
      ctx.target(stack);
    } catch (err) {
      // With no --stacks, the allowed list is the project's stacks: outside it is unknown, not refused.
      if (!(err instanceof Refusal) || options.stacks) throw err;
      throw new RequestError(
        404,
        "stack",
        stack,
        `name one of ${stacks.join(", ") || "the project's stacks (none yet)"}`,
        `the project has no stack ${JSON.stringify(stack)}`,
      );
    }
    const w = watchers.get(stack) as StackWatcher;
    const error = await w.openError();
    if (error)
      throw new RequestError(
        error.kind === "unknownStack" ? 404 : 503,
        "stack",
        stack,
        "name a stack of the project (pulumi stack ls)",
        `stack ${JSON.stringify(stack)} cannot be read: ${error.message}`,
      );
    return w;
  };

  const change = async (stack: string, service: string, action: Action, full: boolean) => {
    const w = await watcherOf(stack);
    if (!w.services?.includes(service))
      throw new RequestError(
        404,
        "service",
        service,
        `name one of ${w.services?.join(", ") || "its services"}`,
        `stack ${stack} has no service named ${JSON.stringify(service)}; nothing was changed`,
      );
    const o = { ...ctx.store, actor: options.actor ?? "dashboard", signal: stop.signal };
    const target = ctx.target(stack, service);
    const r: ReleaseResult =
      action === "promote" ? await promoteCommand(target, { ...o, full }) : await abortCommand(target, o);
    return { ok: true, result: r };
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<unknown> => {
    checkHost(req.headers.host, host);
    const url = new URL(req.url ?? "/", "http://dashboard");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const asset = ASSETS[url.pathname];
    if (req.method === "GET" && asset) {
      const body = await fs.promises.readFile(path.join(PAGE_DIR, asset.file));
      res.writeHead(200, { "content-type": asset.type, ...SECURITY_HEADERS }).end(body);
      return undefined;
    }
    if (req.method === "GET" && url.pathname === "/api/state") return state();
    if (req.method === "GET" && url.pathname === "/api/events") return stream(res);
    const [api, kind, stack, sub, name, action] = parts;
    if (api !== "api" || kind !== "stacks" || stack === undefined) throw noPage(url.pathname);
    if (req.method === "GET" && parts.length === 3) return ctx.redact.json((await watcherOf(stack)).current);
    if (req.method === "GET" && sub === "reports" && name && parts.length === 5) {
      await watcherOf(stack);
      const r = await reportCommand(ctx.target(stack), name, { ...ctx.store, format: "md" });
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(ctx.redact.text(r.body));
      return undefined;
    }
    if (req.method === "POST" && sub === "services" && name && action && parts.length === 6) {
      if (!ACTIONS.includes(action as Action))
        throw new RequestError(404, "action", action, `use one of ${ACTIONS.join(", ")}`, "no such action");
      checkChange(action, token, req.headers.authorization);
      const body = await readBody(req);
      return change(stack, name, action as Action, body.full === true);
    }
    throw noPage(url.pathname);
  };

  const stream = (res: http.ServerResponse): undefined => {
    if (streams.size >= MAX_STREAMS)
      throw new RequestError(
        503,
        "stream",
        String(streams.size),
        "close another tab of the dashboard",
        "too many live pages",
      );
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    res.write(`event: state\ndata: ${JSON.stringify(state())}\n\n`);
    streams.add(res);
    res.on("close", () => streams.delete(res));
    return undefined;
  };

  const server = http.createServer((req, res) => {
    handle(req, res).then(
      (value) => {
        if (value !== undefined && !res.headersSent)
          res
            .writeHead(200, { "content-type": "application/json", "cache-control": "no-store" })
            .end(JSON.stringify(value));
      },
      (err: unknown) => {
        const { status, body } = errorBody(err);
        if (!res.headersSent)
          res
            .writeHead(status, { "content-type": "application/json" })
            .end(JSON.stringify(ctx.redact.json(body)));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  // Polling starts once the server listens: a port in use leaves nothing running.
  const loop = poll();
  const port = (server.address() as { port: number }).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    token,
    state,
    async close() {
      stop.abort();
      for (const res of streams) res.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await loop;
      await Promise.all([...watchers.values()].map((w) => w.settled()));
    },
  };
}

const noPage = (pathname: string) =>
  new RequestError(404, "path", pathname, "see / for the page, /api/state for its data", "no such page");

/** The page and its script run nothing from elsewhere. */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
};

/** A change's JSON body (at most 16 KiB; empty is {}). */
async function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 16_384)
      throw new RequestError(
        413,
        "body",
        `${text.length} bytes`,
        "send at most 16 KiB of JSON",
        "body too large",
      );
  }
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new RequestError(
      400,
      "body",
      text.slice(0, 60),
      'send a JSON object, e.g. {"full": false}',
      "body is not a JSON object; nothing was changed",
    );
  const full = (value as Record<string, unknown>).full;
  if (full !== undefined && typeof full !== "boolean")
    throw new RequestError(
      400,
      "full",
      JSON.stringify(full),
      "send true or false",
      `full (${JSON.stringify(full)}): must be true or false; nothing was changed`,
    );
  return value as Record<string, unknown>;
}
