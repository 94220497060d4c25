// The MCP server end to end: `progressive mcp` as a child process over stdio, driven by the SDK's
// own client (no hand-written JSON), against the repo's program on the local platform with a real
// engine, real processes and real HTTP traffic. Every message of each session is recorded and
// scanned for the stack's secret values.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as http from "node:http";
import * as path from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ElicitRequestSchema, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { StackHandle } from "../../automation/driver/stack";
import { LoadGenerator } from "../../harness/load";
import { type DriverStack, withDriverStack } from "../support/driver-stack";
import { type EngineInfo, requireEngine } from "../support/engine";

const root = path.resolve(__dirname, "..", "..");
const CLI = ["--require", require.resolve("tsx/cjs"), path.join(root, "automation", "cli.ts")];

/** A transport that records every message in both directions, as JSON text. */
class Recording implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  constructor(
    private readonly inner: Transport,
    readonly log: string[],
  ) {
    inner.onmessage = (m) => {
      log.push(JSON.stringify(m));
      this.onmessage?.(m);
    };
    inner.onclose = () => this.onclose?.();
    inner.onerror = (e) => this.onerror?.(e);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  send(message: JSONRPCMessage): Promise<void> {
    this.log.push(JSON.stringify(message));
    return this.inner.send(message);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

type Answer = "accept" | "decline";

/** Runs `body` with a client connected to `progressive mcp <flags>` on the stack's project. */
async function withServer<T>(
  s: DriverStack,
  flags: string[],
  transcript: string[],
  body: (c: Client) => Promise<T>,
  elicitation?: Answer,
): Promise<T> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...CLI, "mcp", "--cwd", s.target.workDir, "--state-dir", s.stateDir, ...flags],
    env: { ...(process.env as Record<string, string>), ...s.env },
    stderr: "inherit",
  });
  const client = new Client(
    { name: "engine-test", version: "1.0.0" },
    { capabilities: elicitation ? { elicitation: {} } : {} },
  );
  if (elicitation)
    client.setRequestHandler(ElicitRequestSchema, async () =>
      elicitation === "accept" ? { action: "accept", content: { confirm: true } } : { action: "decline" },
    );
  await client.connect(new Recording(transport, transcript));
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

interface Structured {
  ok: boolean;
  summary: string;
  data?: Record<string, unknown>;
  error?: { kind: string; message: string; field?: string; value?: string; fix?: string };
}

/** Calls a tool; returns its structured content, or the text of an error without one. */
async function call(
  c: Client,
  name: string,
  args: Record<string, unknown>,
  o: { onprogress?: (message: string) => void; signal?: AbortSignal } = {},
): Promise<Structured & { data: Record<string, unknown>; isError: boolean; text: string }> {
  const r = await c.callTool({ name, arguments: args }, undefined, {
    timeout: 600_000,
    resetTimeoutOnProgress: true,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onprogress ? { onprogress: (p: { message?: string }) => o.onprogress?.(p.message ?? "") } : {}),
  });
  const text = (r.content as Array<{ type: string; text?: string }>).map((x) => x.text ?? "").join("\n");
  const structured = (r.structuredContent as Structured | undefined) ?? { ok: false, summary: text };
  return { ...structured, data: structured.data ?? {}, isError: r.isError === true, text };
}

interface ReleaseData {
  result: {
    releaseId: string;
    outcome: string;
    reason?: string;
    traffic: { stableVersion: string; candidateWeight: number };
  };
}

interface StatusData {
  status: {
    services: Array<{
      name: string;
      traffic: { stableVersion: string; candidateWeight: number; candidateVersion?: string };
      router: { verified: boolean; candidateWeight?: number };
      journal?: { releaseId: string; phase: string; version: string };
    }>;
  };
}

interface HistoryData {
  releases: Array<{ id: string; version: string; outcome: string }>;
}

const TOOLS = {
  read: ["status", "plan", "health", "traffic_read", "environments", "config_read", "history"],
  change: ["release", "promote", "abort", "rollback", "traffic_brake", "promote_environment", "config_set"],
};

const exec = promisify(execFile);

/** The CLI's `--json` answer of a command on the stack. */
async function cliJson(s: DriverStack, args: string[]): Promise<unknown> {
  const { stdout } = await exec(
    process.execPath,
    [...CLI, ...args, "--stack", s.name, "--cwd", s.target.workDir, "--state-dir", s.stateDir, "--json"],
    { env: { ...process.env, ...s.env }, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split("\n").pop() as string);
}

/** The stack's secret values: the webhook URL given here and the services' release secrets. */
async function secretsOf(s: DriverStack, hookUrl: string): Promise<string[]> {
  const handle = await StackHandle.open(s.target);
  const services = await handle.services();
  const values = services.flatMap((svc) => Object.values(svc.secrets));
  assert.ok(values.length > 0, "the local service has a release secret (its proxy's admin token)");
  return [hookUrl, new URL(hookUrl).pathname, ...values];
}

function assertNoSecret(transcript: readonly string[], secrets: readonly string[]): void {
  assert.ok(transcript.length > 10, `the session was recorded (${transcript.length} messages)`);
  for (const secret of secrets) {
    const found = transcript.find((m) => m.includes(secret));
    assert.equal(
      found,
      undefined,
      `a secret value appears in a message of the session: ${found?.slice(0, 200)}`,
    );
  }
}

async function hookServer(): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hooks/s3cr3t-mcp-path-42`, close: () => server.close() };
}

/**
 * A stack deployed at v1 with a secret webhook URL (to a receiver on loopback), and a transcript
 * that `body` records its sessions in; afterwards, no message of it may hold a secret value.
 */
async function withRecordedStack(
  engine: EngineInfo,
  body: (s: DriverStack, transcript: string[]) => Promise<void>,
): Promise<void> {
  const hook = await hookServer();
  try {
    await withDriverStack(engine, {}, async (s) => {
      await s.stack.setConfig("progressive:webhookUrl", { value: hook.url, secret: true });
      const secrets = await secretsOf(s, hook.url);
      const transcript: string[] = [];
      await body(s, transcript);
      assertNoSecret(transcript, secrets);
    });
  } finally {
    hook.close();
  }
}

describe("MCP server (engine tier, local platform, the SDK's client over stdio)", function () {
  this.timeout(900_000);
  let engine: EngineInfo;

  before(function () {
    engine = requireEngine(this);
  });

  it("lists its tools with schemas and annotations, plans, refuses changes when read-only and stacks outside its list, and answers bad input with an error result that changes nothing", async () => {
    await withRecordedStack(engine, async (s, transcript) => {
      const before = await withServer(s, ["--stacks", s.name], transcript, async (c) => {
        const { tools } = await c.listTools();
        assert.deepEqual(tools.map((t) => t.name).sort(), [...TOOLS.read, ...TOOLS.change].sort());
        for (const t of tools) {
          const changes = TOOLS.change.includes(t.name);
          assert.equal(t.inputSchema.type, "object", `${t.name} has an object input schema`);
          assert.equal(t.outputSchema?.type, "object", `${t.name} has an output schema`);
          assert.equal(t.annotations?.readOnlyHint, !changes, `${t.name} readOnlyHint`);
          assert.equal(t.annotations?.destructiveHint, changes, `${t.name} destructiveHint`);
          assert.equal(t.annotations?.openWorldHint, false, `${t.name} openWorldHint`);
          assert.match(
            t.description ?? "",
            /^\[(deployment_orchestrator|environment_manager|rollback_controller|health_checker|traffic_router|config_manager)\] /,
          );
        }
        const release = tools.find((t) => t.name === "release");
        assert.deepEqual(release?.inputSchema.required, ["stack", "version"]);

        const plan = await call(c, "plan", { stack: s.name, version: "v2" });
        assert.equal(plan.ok, true, plan.text);
        const actions = (plan.data.plan as { actions: unknown[] }).actions;
        assert.ok(actions.length >= 5, `the plan has the steps of the canary: ${plan.summary}`);
        assert.match(plan.summary, /v2/);

        const refused = await call(c, "release", { stack: s.name, version: "v2" });
        assert.equal(refused.isError, true);
        assert.equal(refused.error?.kind, "refused");
        assert.equal(refused.error?.field, "tool");
        assert.match(refused.error?.fix ?? "", /--allow-changes/);

        const outside = await call(c, "status", { stack: "someone-elses" });
        assert.equal(outside.isError, true);
        assert.equal(outside.error?.field, "stack");
        assert.match(outside.summary, /may act only on/);

        const envs = await call(c, "environments", {});
        assert.equal(envs.ok, true, envs.text);
        const stacks = envs.data.stacks as Array<{ stack: string; services: Array<{ running: string }> }>;
        assert.deepEqual(
          stacks.map((x) => [x.stack, x.services[0]?.running]),
          [[s.name, "v1"]],
        );
        return call(c, "config_read", { stack: s.name });
      });
      assert.equal(before.ok, true, before.text);
      assert.equal(
        (before.data.settings as { notify: Record<string, string> }).notify.webhook,
        "[secret]",
        "config_read shows a secret setting as [secret]",
      );

      // Bad input to each tool, on a server that may change things: an error result naming the
      // field, and nothing changes. (`environments` takes no input.)
      await withServer(s, ["--stacks", s.name, "--allow-changes"], transcript, async (c) => {
        const cases: Array<[string, Record<string, unknown>, RegExp]> = [
          ["status", { stack: 42 }, /stack \(42\): must be a string/],
          ["plan", { stack: s.name, version: "v 2" }, /version \("v 2"\): is not a version label/],
          ["plan", { stack: s.name }, /version \(missing\)/],
          ["health", { stack: s.name, service: "nope" }, /nope/],
          ["traffic_read", { stack: "bad stack!" }, /stack \("bad stack!"\): is not a stack name/],
          ["config_read", { stack: "" }, /stack \(""\): must not be empty/],
          ["history", { limit: 0 }, /limit \(0\)/],
          ["release", { stack: s.name, version: "../v2" }, /version \("..\/v2"\): is not a version label/],
          ["promote", { stack: s.name, full: "yes" }, /full \("yes"\): must be true or false/],
          ["abort", { stack: s.name }, /has no release in progress/],
          ["rollback", { stack: s.name, to: "v9" }, /no earlier good version named v9/],
          ["traffic_brake", { stack: s.name, service: "nope" }, /nope/],
          [
            "promote_environment",
            { from: s.name, to: s.name },
            /from \(".*"\): is the stack being released to/,
          ],
          ["config_set", { stack: s.name, key: "traffic", value: {} }, /is written by the driver/],
          [
            "config_set",
            { stack: s.name, key: "webhookUrl", value: "http://x" },
            /pulumi config set --secret/,
          ],
          [
            "config_set",
            { stack: s.name, key: "release.failFast", value: "maybe" },
            /progressive:release\.failFast \("maybe"\)/,
          ],
        ];
        for (const [tool, args, expected] of cases) {
          const r = await call(c, tool, args);
          assert.equal(r.isError, true, `${tool} ${JSON.stringify(args)} is an error result: ${r.text}`);
          assert.match(r.text, expected, `${tool} ${JSON.stringify(args)}`);
        }
        const status = (await call(c, "status", { stack: s.name })).data as unknown as StatusData;
        const svc = status.status.services[0];
        assert.deepEqual(svc?.traffic, { stableVersion: "v1", candidateWeight: 0 });
        assert.equal(svc?.journal, undefined, "no release was started");
        const history = (await call(c, "history", { stack: s.name })).data as unknown as HistoryData;
        assert.deepEqual(history.releases, [], "nothing was recorded");
        const after = await call(c, "config_read", { stack: s.name });
        assert.deepEqual(after.data, before.data, "no setting changed");
      });
    });
  });

  it("releases through an agent: progress per step, promoted, reverted, cancelled and braked releases; status and history as the CLI's; a production stack asks the user; no secret in the session", async () => {
    await withRecordedStack(engine, async (s, transcript) => {
      const load = new LoadGenerator(s.endpoint, { ratePerSecond: 40, maxMs: 600_000 });
      load.start();
      try {
        await withServer(s, ["--stacks", s.name, "--allow-changes"], transcript, async (c) => {
          // A good version: promoted, with a progress notification for every step.
          const progress: string[] = [];
          const good = await call(
            c,
            "release",
            { stack: s.name, version: "v2" },
            { onprogress: (m) => progress.push(m) },
          );
          assert.equal(good.ok, true, good.text);
          const r2 = (good.data as unknown as ReleaseData).result;
          assert.equal(r2.outcome, "promoted", good.summary);
          assert.deepEqual(r2.traffic, { stableVersion: "v2", candidateWeight: 0 });
          const steps = progress.map((m) => /^\[(\d+)\/(\d+)\]/.exec(m)).filter((m) => m !== null);
          const total = Number(steps[0]?.[2]);
          assert.ok(total >= 5, `step notifications: ${progress.join(" | ")}`);
          for (let i = 1; i <= total; i++)
            assert.ok(
              steps.some((m) => Number(m[1]) === i),
              `a notification for step ${i} of ${total}`,
            );
          assert.ok(
            progress.some((m) => /verified \(read back from the router\)/.test(m)),
            "weights read back are reported",
          );

          // A bad version: reverted, said in the result.
          const bad = await call(c, "release", { stack: s.name, version: "v3" });
          const r3 = (bad.data as unknown as ReleaseData).result;
          assert.equal(r3.outcome, "reverted", bad.summary);
          assert.equal(r3.traffic.stableVersion, "v2");
          assert.match(bad.summary, /reverted .*all on v2/);

          // Cancelled mid-analysis: the server's release reverts.
          const cancel = new AbortController();
          const cancelled = call(
            c,
            "release",
            { stack: s.name, version: "v4" },
            {
              signal: cancel.signal,
              onprogress: (m) => {
                if (m.includes("→")) cancel.abort();
              },
            },
          );
          await assert.rejects(cancelled, /abort|cancel/i);
          const settled = await waitForSettled(c, s.name);
          assert.equal(settled.journal?.version, "v4");
          assert.equal(settled.journal?.phase, "reverted");
          assert.deepEqual(settled.traffic, { stableVersion: "v2", candidateWeight: 0 });

          // The brake while a release runs: all on stable at once, the release reverted.
          let atTen: () => void = () => undefined;
          const reachedTen = new Promise<void>((r) => {
            atTen = r;
          });
          const running = call(
            c,
            "release",
            { stack: s.name, version: "v5" },
            {
              onprogress: (m) => {
                if (/\| v5\s+10%/.test(m)) atTen();
              },
            },
          );
          await reachedTen;
          const brake = await call(c, "traffic_brake", { stack: s.name });
          assert.equal(brake.ok, true, brake.text);
          assert.equal(brake.data.braked, true, brake.summary);
          const r5 = (await running).data as unknown as ReleaseData;
          assert.equal(r5.result.outcome, "reverted", JSON.stringify(r5));
          const read = await call(c, "traffic_read", { stack: s.name });
          const router = (
            read.data.services as Array<{ router: { verified: boolean; candidateWeight: number } }>
          )[0]?.router;
          assert.deepEqual([router?.verified, router?.candidateWeight], [true, 0], read.summary);

          // Status and history agree with the CLI's.
          const status = ((await call(c, "status", { stack: s.name })).data as unknown as StatusData).status;
          const cliStatus = (await cliJson(s, ["status"])) as StatusData["status"];
          const brief = (x: StatusData["status"]) =>
            x.services.map((v) => [
              v.name,
              v.traffic,
              v.router.verified,
              v.router.candidateWeight,
              v.journal?.releaseId,
              v.journal?.phase,
            ]);
          assert.deepEqual(brief(status), brief(cliStatus));
          const history = ((await call(c, "history", { stack: s.name })).data as unknown as HistoryData)
            .releases;
          const cliHistory = ((await cliJson(s, ["history"])) as HistoryData).releases;
          assert.deepEqual(
            history.map((r) => [r.id, r.version, r.outcome]),
            cliHistory.map((r) => [r.id, r.version, r.outcome]),
          );
          assert.deepEqual(
            history.map((r) => r.version),
            ["v5", "v4", "v3", "v2"],
          );
          // The cancelled release is an abort (as Ctrl-C and `progressive abort` are): reverted, recorded as aborted.
          assert.deepEqual(history.map((r) => r.outcome).slice(1), ["aborted", "reverted", "promoted"]);

          // The history as a resource, and a release's report.
          const res = await c.readResource({
            uri: `progressive://history/${s.name}/${status.services[0]?.name}`,
          });
          const fromResource = JSON.parse((res.contents[0] as { text: string }).text) as HistoryData;
          assert.deepEqual(
            fromResource.releases.map((r) => r.id),
            history.map((r) => r.id),
          );
          const report = await c.readResource({ uri: `progressive://report/${s.name}/${history[2]?.id}` });
          assert.match((report.contents[0] as { text: string }).text, /v3/);

          // The stack becomes production-marked: this client cannot be asked, so changes are refused.
          const marked = await call(c, "config_set", { stack: s.name, key: "environment", value: "prod" });
          assert.equal(marked.ok, true, marked.text);
          const refused = await call(c, "release", { stack: s.name, version: "v6" });
          assert.equal(refused.error?.kind, "refused", refused.text);
          assert.match(refused.error?.fix ?? "", /elicitation|--allow-production/);
        });
        // A client that can ask the user: a decline changes nothing, a yes goes ahead.
        await withServer(
          s,
          ["--stacks", s.name, "--allow-changes"],
          transcript,
          async (c) => {
            const declined = await call(c, "release", { stack: s.name, version: "v6" });
            assert.equal(declined.error?.kind, "refused", declined.text);
            assert.match(declined.summary, /declined by the user; nothing was changed/);
          },
          "decline",
        );
        await withServer(
          s,
          ["--stacks", s.name, "--allow-changes"],
          transcript,
          async (c) => {
            const back = await call(c, "config_set", {
              stack: s.name,
              key: "environment",
              value: "staging",
            });
            assert.equal(back.ok, true, back.text);
            const cfg = await call(c, "config_read", { stack: s.name });
            assert.equal((cfg.data.settings as { environment: string }).environment, "staging");
            const status = ((await call(c, "status", { stack: s.name })).data as unknown as StatusData)
              .status;
            assert.deepEqual(status.services[0]?.traffic, { stableVersion: "v2", candidateWeight: 0 });
          },
          "accept",
        );
      } finally {
        await load.stop();
      }
    });
  });
});

/** Polls the status tool until the service's release has ended (a cancelled call's revert runs on). */
async function waitForSettled(c: Client, stack: string): Promise<StatusData["status"]["services"][number]> {
  const until = Date.now() + 300_000;
  for (;;) {
    const svc = ((await call(c, "status", { stack })).data as unknown as StatusData).status.services[0];
    if (svc?.journal && ["succeeded", "reverted", "failed"].includes(svc.journal.phase)) return svc;
    if (Date.now() > until) throw new Error(`the cancelled release did not end: ${JSON.stringify(svc)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
