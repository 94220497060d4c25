// The MCP server's access rules, redaction and command line, and its tool list over the SDK's
// in-memory transport (the engine tier drives it over stdio against real stacks).
import * as assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { parseCommandLine } from "../../automation/cli/args";
import { parseSettings } from "../../automation/driver/settings";
import { createMcpServer, Guard, productionReason, Refusal } from "../../automation/mcp";
import { failure, InputError, Redactor } from "../../automation/mcp/results";

const settings = (env: Record<string, string> = {}) =>
  parseSettings(
    Object.fromEntries(
      Object.entries(env).map(([k, v]) => [`progressive:${k}`, { value: v, secret: false }]),
    ),
    "dev",
  );

describe("MCP server", () => {
  describe("production marker", () => {
    it("marks prod, production and prod-<suffix> environments and stacks whose releases need an approval", () => {
      assert.match(productionReason(settings({ environment: "prod" })) ?? "", /environment is prod/);
      assert.match(productionReason(settings({ environment: "production" })) ?? "", /production/);
      assert.match(productionReason(settings({ environment: "prod-eu" })) ?? "", /prod-eu/);
      assert.match(
        productionReason(settings({ release: JSON.stringify({ gates: { approval: true } }) })) ?? "",
        /approval/,
      );
      assert.equal(productionReason(settings({ environment: "staging" })), undefined);
      assert.equal(productionReason(settings({ environment: "producer" })), undefined);
      assert.equal(productionReason(settings()), undefined);
    });
  });

  describe("guard", () => {
    const prod = settings({ environment: "prod" });

    it("is read-only unless started to allow changes, and says how to allow them", () => {
      assert.throws(
        () => new Guard({}).checkWritable("release"),
        (e: unknown) => e instanceof Refusal && e.field === "tool" && /--allow-changes/.test(e.fix),
      );
      new Guard({ allowChanges: true }).checkWritable("release");
    });

    it("refuses a stack outside the allowed list, naming the allowed ones", () => {
      const g = new Guard({ stacks: ["dev", "staging"] });
      g.checkStack("dev");
      assert.throws(
        () => g.checkStack("prod", "to"),
        (e: unknown) =>
          e instanceof Refusal && e.field === "to" && e.value === "prod" && /dev, staging/.test(e.message),
      );
      new Guard({}).checkStack("anything");
    });

    it("asks the user before changing a production stack; a no refuses, a yes counts as the approval", async () => {
      const g = new Guard({ allowChanges: true });
      const asked: string[] = [];
      const yes = async (m: string) => {
        asked.push(m);
        return true;
      };
      assert.equal(await g.confirmChange("prod", prod, "release v2", yes), true);
      assert.match(asked[0] ?? "", /release v2 on stack prod, marked production \(its environment is prod\)/);
      await assert.rejects(
        g.confirmChange("prod", prod, "release v2", async () => false),
        /declined by the user; nothing was changed/,
      );
      assert.equal(
        await g.confirmChange("dev", settings(), "release v2", undefined),
        false,
        "no question off production",
      );
    });

    it("refuses a production change when the client cannot be asked, unless started with --allow-production", async () => {
      await assert.rejects(
        new Guard({ allowChanges: true }).confirmChange("prod", prod, "abort", undefined),
        (e: unknown) => e instanceof Refusal && /--allow-production/.test(e.fix),
      );
      assert.equal(
        await new Guard({ allowChanges: true, allowProduction: true }).confirmChange(
          "prod",
          prod,
          "abort",
          undefined,
        ),
        false,
        "allowed, but not an approval",
      );
    });
  });

  describe("redactor", () => {
    it("replaces every known secret in text and JSON, and ignores values too short to be secrets", () => {
      const r = new Redactor();
      r.add(["https://hooks.example/T0/s3cr3t", "abc", 42]);
      assert.equal(r.text("posted to https://hooks.example/T0/s3cr3t"), "posted to [secret]");
      assert.deepEqual(r.json({ url: "https://hooks.example/T0/s3cr3t", n: "abc", at: new Date(0) }), {
        url: "[secret]",
        n: "abc",
        at: "1970-01-01T00:00:00.000Z",
      });
    });

    it("turns errors into results naming the field, the value and the fix, redacted", () => {
      const r = new Redactor();
      r.add(["tok-123456"]);
      const bad = failure(r, new InputError("version", '"v 2"', "is not a version label", "use letters"));
      assert.equal(bad.isError, true);
      assert.deepEqual(bad.structuredContent.error, {
        kind: "usage",
        message: 'version ("v 2"): is not a version label; use letters',
        field: "version",
        value: '"v 2"',
        fix: "use letters",
      });
      const leaked = failure(r, new Error("request with tok-123456 failed"));
      assert.equal(leaked.content[0]?.text, "request with [secret] failed");
    });
  });

  describe("command line", () => {
    it("parses progressive mcp with its flags", () => {
      assert.deepEqual(
        parseCommandLine([
          "mcp",
          "--cwd",
          "infra",
          "--stacks",
          "dev, staging",
          "--allow-changes",
          "--state-dir",
          "/tmp/s",
        ]),
        {
          command: "mcp",
          stateDir: "/tmp/s",
          json: false,
          quiet: false,
          workDir: "infra",
          allowChanges: true,
          allowProduction: false,
          stacks: ["dev", "staging"],
        },
      );
      assert.deepEqual(parseCommandLine(["mcp"]), {
        command: "mcp",
        json: false,
        quiet: false,
        allowChanges: false,
        allowProduction: false,
      });
    });

    it("refuses a bad stack list and flags mcp does not take", () => {
      assert.throws(
        () => parseCommandLine(["mcp", "--stacks", "dev,bad stack"]),
        /--stacks .*"bad stack" is not a stack name/,
      );
      assert.throws(
        () => parseCommandLine(["mcp", "--stack", "dev"]),
        /mcp does not take --stack; did you mean --stacks\?/,
      );
    });
  });

  describe("over the SDK's in-memory transport", () => {
    it("answers a missing config value (the schema's required field) and a bad rollback version before opening anything", async () => {
      const server = createMcpServer({ workDir: "/nonexistent", stacks: ["dev"], allowChanges: true });
      const [a, b] = InMemoryTransport.createLinkedPair();
      const client = new Client({ name: "unit", version: "1.0.0" });
      await Promise.all([server.connect(b), client.connect(a)]);
      try {
        const noValue = await client.callTool({
          name: "config_set",
          arguments: { stack: "dev", key: "release.failFast" },
        });
        assert.equal(noValue.isError, true);
        assert.match(JSON.stringify(noValue.content), /Invalid arguments for tool config_set: .* at value/);
        const badTo = await client.callTool({
          name: "rollback",
          arguments: { stack: "dev", to: "not a label!" },
        });
        assert.equal(badTo.isError, true);
        assert.deepEqual((badTo.structuredContent as { error: Record<string, string> }).error.field, "to");
        assert.match(
          JSON.stringify(badTo.structuredContent),
          /to \(\\"not a label!\\"\): is not a version label; use a label/,
        );
      } finally {
        await client.close();
        await server.close();
      }
    });

    it("lists fourteen tools in the description's groups and refuses a change on a read-only server before opening anything", async () => {
      const server = createMcpServer({ workDir: "/nonexistent", stacks: ["dev"] });
      const [a, b] = InMemoryTransport.createLinkedPair();
      const client = new Client({ name: "unit", version: "1.0.0" });
      await Promise.all([server.connect(b), client.connect(a)]);
      try {
        const { tools } = await client.listTools();
        assert.equal(tools.length, 14);
        const groups = new Set(tools.map((t) => /^\[(\w+)\]/.exec(t.description ?? "")?.[1]));
        assert.deepEqual([...groups].sort(), [
          "config_manager",
          "deployment_orchestrator",
          "environment_manager",
          "health_checker",
          "rollback_controller",
          "traffic_router",
        ]);
        const r = await client.callTool({ name: "release", arguments: { stack: "dev", version: "v2" } });
        assert.equal(r.isError, true);
        assert.match(JSON.stringify(r.structuredContent), /"kind":"refused".*"field":"tool"/);
        const outside = await client.callTool({ name: "status", arguments: { stack: "prod" } });
        assert.match(JSON.stringify(outside.structuredContent), /may act only on dev/);
      } finally {
        await client.close();
        await server.close();
      }
    });
  });
});
