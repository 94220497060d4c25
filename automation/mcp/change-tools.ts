// The tools that move traffic or change settings. Each checks the server's access rules first
// (read-only, allowed stacks, a production stack's confirmation), then calls the same driver
// function as the CLI, so its locks, gates, windows, approvals and policy apply unchanged.
import { z } from "zod";
import { CONFIG_NAMESPACE, formatValue, TRAFFIC_KEY, type TrafficState } from "../../components/core";
import { formatEvent } from "../cli/format";
import {
  abortCommand,
  type CommandOptions,
  openTarget,
  promoteCommand,
  promoteEnvironmentCommand,
  releaseCommand,
  rollbackCommand,
} from "../driver/commands";
import { isOpen } from "../driver/journal";
import { controlOf, currentTraffic } from "../driver/release-plan";
import { configValue, parseSettings, type RawConfigValue, SETTINGS_KEYS } from "../driver/settings";
import type { ReleaseResult } from "../driver/types";
import type { Call, ToolContext } from "./context";
import { InputError, ok, type ToolResult } from "./results";
import { checkVersion, service, stack, type ToolSpec, tool, version, yesNo } from "./schema";

/** The driver's options for a call: its signal, its progress, its actor and the user's approval. */
function driverOptions(
  ctx: ToolContext,
  call: Call,
  confirmed: boolean,
): CommandOptions & { approve: boolean } {
  return {
    ...ctx.store,
    signal: call.signal,
    actor: call.actor,
    onEvent: (e) => {
      const line = formatEvent(e);
      if (line) call.progress(line.trim());
    },
    // A production change the user confirmed in the client is their approval; otherwise the
    // approval gate asks them (elicitation) or, when they cannot be asked, fails as in CI.
    approve: confirmed,
    ...(call.ask ? { prompt: call.ask } : {}),
  };
}

function describeTraffic(t: TrafficState): string {
  return t.candidateVersion && t.candidateWeight > 0
    ? `${t.stableVersion} ${100 - t.candidateWeight}%, ${t.candidateVersion} ${t.candidateWeight}%`
    : `all on ${t.stableVersion}`;
}

/** The result of a release-like call: the outcome and where traffic is now. */
function released(ctx: ToolContext, what: string, r: ReleaseResult): ToolResult {
  return ok(
    ctx.redact,
    `${what}: ${r.outcome}${r.reason ? ` (${r.reason})` : ""}; traffic ${describeTraffic(r.traffic)}`,
    { result: r },
  );
}

/** Settings an agent may change: not the secrets (they would pass through the transcript) nor the driver's own traffic entries. */
const SETTABLE = Object.keys(SETTINGS_KEYS).filter(
  (k) => k !== TRAFFIC_KEY && k !== "slackWebhookUrl" && k !== "webhookUrl",
);

/** `base` with `value` at `path` (objects copied on the way down). */
function setAt(base: unknown, path: readonly string[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const obj =
    base && typeof base === "object" && !Array.isArray(base) ? (base as Record<string, unknown>) : {};
  return { ...obj, [head]: setAt(obj[head], rest, value) };
}

/** The target of a change, once the guard has let it through, and the driver's options for it. */
const confirmThen = async (
  ctx: ToolContext,
  where: { readonly stack: string; readonly service?: string | undefined },
  tool: string,
  what: string,
  call: Call,
) => {
  const target = ctx.target(where.stack, where.service);
  const { confirmed } = await ctx.openForChange(tool, target, what, call);
  return { target, options: driverOptions(ctx, call, confirmed) };
};

export const CHANGE_TOOLS: readonly ToolSpec[] = [
  tool({
    name: "release",
    group: "deployment_orchestrator",
    title: "Release a version",
    description:
      "Preflight, deploy the version at 0 %, step traffic with the stack's checks between steps, then promote, pause for a decision, or revert to the last good version when a check fails. Sends a progress notification per event (step, weight read back, each check); cancelling the call reverts the release.",
    input: { stack, service, version },
    changes: { idempotent: false },
    async run(ctx, a, call) {
      const v = checkVersion(a.version);
      const { target, options } = await confirmThen(ctx, a, "release", `release ${v}`, call);
      return released(ctx, `release ${v}`, await releaseCommand(target, v, options));
    },
  }),
  tool({
    name: "promote",
    group: "deployment_orchestrator",
    title: "Go on past a pause",
    description:
      "Continues a release paused for a decision (full: skip its remaining steps and promote now).",
    input: {
      stack,
      service,
      full: yesNo("full", "skip the remaining steps and promote; default false"),
    },
    changes: { idempotent: false },
    async run(ctx, a, call) {
      const { target, options } = await confirmThen(ctx, a, "promote", "promote the release", call);
      return released(ctx, "promote", await promoteCommand(target, { ...options, full: a.full === true }));
    },
  }),
  tool({
    name: "abort",
    group: "rollback_controller",
    title: "Abort the release in progress",
    description:
      "Reverts the release in progress or cut short: asks its running driver (on any machine) to revert, or takes over a stopped one and reverts it here.",
    input: { stack, service },
    changes: { idempotent: true },
    async run(ctx, a, call) {
      const { target, options } = await confirmThen(ctx, a, "abort", "abort the release", call);
      return released(ctx, "abort", await abortCommand(target, options));
    },
  }),
  tool({
    name: "rollback",
    group: "rollback_controller",
    title: "Roll back to an earlier good version",
    description:
      "Releases an earlier version that was promoted before (default: the one before the current), from the release history.",
    input: {
      stack,
      service,
      to: version.optional().describe("the earlier good version; default the one before the current"),
    },
    changes: { idempotent: false },
    async run(ctx, a, call) {
      const to = a.to === undefined ? undefined : checkVersion(a.to, "to");
      const what = `roll back${to ? ` to ${to}` : ""}`;
      const { target, options } = await confirmThen(ctx, a, "rollback", what, call);
      return released(ctx, what, await rollbackCommand(target, { ...options, ...(to ? { to } : {}) }));
    },
  }),
  tool({
    name: "traffic_brake",
    group: "traffic_router",
    title: "Brake: all traffic to stable at once",
    description:
      "Writes all traffic to the stable version on the router at once and reads it back, then aborts the open release so the stack's state agrees (the revert is recorded). With no release open, says where traffic is.",
    input: { stack, service },
    changes: { idempotent: true },
    async run(ctx, a, call) {
      const { target, options } = await confirmThen(ctx, a, "traffic_brake", "pull the brake", call);
      const t = await openTarget(target, ctx.store);
      const journal = (await t.state.journal(t.service.release.name))?.journal;
      const control = controlOf(t);
      if (!isOpen(journal)) {
        const traffic = await currentTraffic(t);
        const router = await control.read(traffic, call.signal);
        return ok(
          ctx.redact,
          `no release of ${t.service.release.name} is open; traffic ${describeTraffic(traffic)}`,
          {
            braked: false,
            traffic,
            router,
          },
        );
      }
      const brake = await control.sendAllToStable(journal.lastGood, journal.version, call.signal);
      call.progress(
        brake.applied
          ? `brake: all traffic on ${journal.lastGood.stableVersion}, read back from the router`
          : `brake not applied at once (${brake.reason}); the revert's up moves it`,
      );
      const result = await abortCommand(target, options);
      return ok(
        ctx.redact,
        `brake ${brake.applied ? "applied and read back" : `not applied at once (${brake.reason})`}; release ${result.releaseId} ${result.outcome}; traffic ${describeTraffic(result.traffic)}`,
        { braked: brake.applied, brake, result },
      );
    },
  }),
  tool({
    name: "promote_environment",
    group: "environment_manager",
    title: "Promote a verified version to the next environment",
    description:
      "Releases the version last promoted in `from` to `to`, through `to`'s own plan, checks and gates.",
    input: {
      from: stack.describe("the environment that verified the version, e.g. staging"),
      to: stack.describe("the stack to release to, e.g. prod"),
      service,
    },
    changes: { idempotent: false },
    async run(ctx, a, call) {
      if (a.from === a.to)
        throw new InputError(
          "from",
          formatValue(a.from),
          "is the stack being released to",
          "name the environment that verified the version, e.g. staging",
        );
      const from = ctx.target(a.from, a.service, "from");
      await ctx.open(from);
      const what = `promote from ${a.from}`;
      const { target, options } = await confirmThen(
        ctx,
        { stack: a.to, service: a.service },
        "promote_environment",
        what,
        call,
      );
      return released(ctx, `${what} to ${a.to}`, await promoteEnvironmentCommand(from, target, options));
    },
  }),
  tool({
    name: "config_set",
    group: "config_manager",
    title: "Change a release setting",
    description: `Sets one release setting (the progressive: namespace; a dotted path such as release.failFast or release.gates.window.end) after validating the whole namespace as the driver does: a bad value is refused naming the key, the value and the fix, and nothing is written. Settable: ${SETTABLE.join(", ")}; secrets (webhook URLs) are set with pulumi config set --secret, and traffic is the driver's.`,
    input: {
      stack,
      key: z
        .string({
          error: (i) => `key (${formatValue(i.input)}): must be a setting name such as release.failFast`,
        })
        .describe(
          `the setting, without the ${CONFIG_NAMESPACE}: prefix: ${SETTABLE.join(", ")}, or a dotted path below one`,
        ),
      value: z.unknown().describe("the new value (JSON: a string, number, boolean, object or list)"),
    },
    changes: { idempotent: true },
    async run(ctx, a, call) {
      const path = a.key.replace(new RegExp(`^${CONFIG_NAMESPACE}:`), "").split(".");
      const top = path[0] as string;
      if (!SETTABLE.includes(top) || path.some((p) => p === ""))
        throw new InputError(
          "key",
          formatValue(a.key),
          top === TRAFFIC_KEY
            ? "is written by the driver"
            : top === "slackWebhookUrl" || top === "webhookUrl"
              ? "is a secret, which must not pass through an agent's transcript"
              : "is not a release setting this tool sets",
          top === "slackWebhookUrl" || top === "webhookUrl"
            ? `set it with pulumi config set --secret ${CONFIG_NAMESPACE}:${top} <url>`
            : `use one of ${SETTABLE.join(", ")} (or a dotted path below one, e.g. release.failFast)`,
        );
      const target = ctx.target(a.stack);
      const { stack: handle, config: raw } = await ctx.openForChange(
        "config_set",
        target,
        `set ${CONFIG_NAMESPACE}:${a.key}`,
        call,
      );
      const key = `${CONFIG_NAMESPACE}:${top}`;
      const next = setAt(configValue(raw[key]), path.slice(1), a.value);
      const entry: RawConfigValue =
        typeof next === "string"
          ? { value: next, secret: false }
          : { value: JSON.stringify(next), objectValue: next, secret: false };
      // The whole namespace is validated as the driver reads it: the same errors as a release's.
      const settings = parseSettings({ ...raw, [key]: entry }, handle.name);
      await handle.stack.workspace.setAllConfigJson(handle.name, JSON.stringify({ [key]: entry }));
      return ok(ctx.redact, `${key} set on ${handle.name}`, {
        key,
        value: next,
        environment: settings.environment,
      });
    },
  }),
];
