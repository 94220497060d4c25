// The release driver as an MCP server: the tools of ./read-tools.ts and ./change-tools.ts, the
// release history and reports as resources, progress notifications and cancellation, on the
// official TypeScript SDK. `progressive mcp` serves it over stdio.
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { historyCommand } from "../driver/commands";
import { reportCommand } from "../driver/store-commands";
import { CHANGE_TOOLS } from "./change-tools";
import { type Call, type McpServerOptions, ToolContext } from "./context";
import { READ_TOOLS } from "./read-tools";
import { failure, RESULT_SHAPE } from "./results";

export type { McpServerOptions };

/** The server's name and version as it introduces itself to clients. */
export const SERVER_INFO = { name: "pulumi-progressive-delivery", version: "0.1.0" } as const;

const INSTRUCTIONS = [
  "Releases services of Pulumi stacks progressively (canary, blue-green, rolling) with checks between steps and automatic revert.",
  "Start with `environments` or `status`; `plan` shows what a release would do and changes nothing.",
  "`release` runs the whole release and reports progress; its result says where traffic ended (promoted, paused, reverted).",
  "To stop a bad release now: `traffic_brake` (all traffic to stable at once) or `abort`.",
  "History and reports are resources: progressive://history/{stack}/{service}, progressive://report/{stack}/{releaseId}.",
].join("\n");

/** Builds the server (not yet connected to a transport). */
export function createMcpServer(options: McpServerOptions = {}): McpServer {
  const ctx = new ToolContext(options);
  const server = new McpServer(SERVER_INFO, {
    capabilities: { logging: {} },
    instructions: `${INSTRUCTIONS}\n${ctx.guard.readOnly ? "This server is read-only: the tools that change traffic or settings are refused." : "This server may change traffic and settings."}`,
  });
  for (const spec of [...READ_TOOLS, ...CHANGE_TOOLS]) {
    server.registerTool(
      spec.name,
      {
        title: spec.title,
        description: `[${spec.group}] ${spec.description}${spec.changes && ctx.guard.readOnly ? " (This server is read-only: a call is refused.)" : ""}`,
        inputSchema: spec.input,
        outputSchema: RESULT_SHAPE,
        annotations: {
          title: spec.title,
          readOnlyHint: spec.changes === undefined,
          destructiveHint: spec.changes !== undefined,
          idempotentHint: spec.changes === undefined || spec.changes.idempotent,
          openWorldHint: false,
        },
        _meta: { group: spec.group },
      },
      async (args: Record<string, unknown>, extra) => {
        const token = extra._meta?.progressToken;
        let sent = 0;
        const client = server.server.getClientCapabilities();
        const call: Call = {
          signal: extra.signal,
          actor: options.actor ?? `mcp:${server.server.getClientVersion()?.name ?? "client"}`,
          progress(message) {
            if (token === undefined) return;
            sent++;
            extra
              .sendNotification({
                method: "notifications/progress",
                params: { progressToken: token, progress: sent, message: ctx.redact.text(message) },
              })
              .catch(() => undefined);
          },
          ask: client?.elicitation
            ? async (message) => {
                const r = await server.server.elicitInput(
                  {
                    message,
                    requestedSchema: {
                      type: "object",
                      properties: { confirm: { type: "boolean", title: "Go ahead", description: message } },
                      required: ["confirm"],
                    },
                  },
                  { relatedRequestId: extra.requestId },
                );
                return r.action === "accept" && r.content?.confirm === true;
              }
            : undefined,
        };
        try {
          return await spec.run(ctx, args, call);
        } catch (err) {
          return failure(ctx.redact, err);
        }
      },
    );
  }
  registerResources(server, ctx);
  return server;
}

/** The release history and reports, readable by URI (the agent's memory across runs). */
function registerResources(server: McpServer, ctx: ToolContext): void {
  const json = (uri: URL, value: unknown) => ({
    contents: [
      { uri: uri.href, mimeType: "application/json", text: JSON.stringify(ctx.redact.json(value), null, 2) },
    ],
  });
  const one = (v: string | string[] | undefined) =>
    decodeURIComponent(Array.isArray(v) ? (v[0] ?? "") : (v ?? ""));
  server.registerResource(
    "history",
    new ResourceTemplate("progressive://history/{stack}/{service}", { list: undefined }),
    {
      title: "Release history of a service",
      description: "The last 50 releases of one service of a stack, newest first, with the success figures.",
      mimeType: "application/json",
    },
    async (uri, v) => {
      const target = ctx.target(one(v.stack), one(v.service));
      await ctx.open(target);
      const h = await historyCommand(
        {
          ...(ctx.options.workDir ? { workDir: ctx.options.workDir } : {}),
          stackName: target.stackName,
          service: target.service as string,
        },
        ctx.store,
      );
      return json(uri, { releases: h.releases.slice(0, 50), summary: h.summary });
    },
  );
  server.registerResource(
    "report",
    new ResourceTemplate("progressive://report/{stack}/{releaseId}", { list: undefined }),
    {
      title: "Report of one release",
      description:
        "A release's report (Markdown) as the release store holds it: steps, weights, checks, the revert.",
      mimeType: "text/markdown",
    },
    async (uri, v) => {
      const target = ctx.target(one(v.stack));
      await ctx.open(target);
      const r = await reportCommand(target, one(v.releaseId), { ...ctx.store, format: "md" });
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: ctx.redact.text(r.body) }] };
    },
  );
}

/**
 * Serves the driver over stdio until the client closes it. Stdout is the protocol's channel:
 * anything a library prints there would corrupt it, so console output goes to stderr.
 */
export async function serveMcp(options: McpServerOptions = {}): Promise<void> {
  for (const level of ["log", "info", "debug"] as const) console[level] = console.error;
  const server = createMcpServer(options);
  const transport = new StdioServerTransport();
  await server.connect(transport);
  await new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
    // The client went away (its end of stdin closed): stop serving.
    process.stdin.once("end", () => void server.close());
  });
}
