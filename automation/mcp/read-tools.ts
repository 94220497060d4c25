// The tools that change nothing: status, plan, health, traffic reading, environments, settings and
// history. Each reads what the CLI reads, through the same driver functions.
import { z } from "zod";
import type { Check, ResolvedStrategy } from "../../components/core";
import { runAnalysis } from "../driver/analysis";
import { historyCommand, openTarget, planCommand, statusCommand } from "../driver/commands";
import { isOpen } from "../driver/journal";
import { renderPlan } from "../driver/plan";
import { currentTraffic } from "../driver/release-plan";
import { listStacks } from "../driver/workspace";
import { summarize } from "../history";
import type { ToolContext } from "./context";
import { productionReason } from "./guard";
import { ok } from "./results";
import { checkVersion, service, stack, type ToolSpec, tool, version } from "./schema";

/** The checks a service's strategy runs (none for rolling and recreate). */
function checksOf(strategy: ResolvedStrategy): Check[] {
  if (strategy.kind === "canary") return [...strategy.checks];
  if (strategy.kind !== "blueGreen") return [];
  const all = [...strategy.prePromotionChecks, ...strategy.postPromotionChecks];
  return all.filter((c, i) => all.findIndex((d) => d.name === c.name) === i);
}

/** A check taken once: one measurement, judged on its own. */
function once(check: Check): Check {
  return check.kind === "metric"
    ? { ...check, count: 1, failureLimit: 0, inconclusiveLimit: 0 }
    : { ...check, successThreshold: 1, failureThreshold: 1, initialDelaySeconds: 0 };
}

/** The status of a stack (or one service), after the stack is opened and its secrets learnt. */
async function stackStatus(
  ctx: ToolContext,
  a: { readonly stack: string; readonly service?: string | undefined },
) {
  const target = ctx.target(a.stack, a.service);
  await ctx.open(target);
  return statusCommand(target, ctx.store);
}

export const READ_TOOLS: readonly ToolSpec[] = [
  tool({
    name: "status",
    group: "deployment_orchestrator",
    title: "Status of a stack's services",
    description:
      "Every service of a stack (or one): running and declared versions, the weight read back from the router (verified or not, and why), the release in progress with its phase and step, who holds its lock, and the stack's locks and pending operations.",
    input: { stack, service },
    async run(ctx, a) {
      const s = await stackStatus(ctx, a);
      const lines = s.services.map(
        (svc) =>
          `${svc.name}: ${svc.traffic.stableVersion}${svc.traffic.candidateVersion ? ` + ${svc.traffic.candidateVersion} at ${svc.traffic.candidateWeight}%` : ""} (router ${svc.router.verified ? `verified: ${svc.router.candidateWeight}% to the candidate` : "unverified"})${svc.journal && isOpen(svc.journal) ? `; release ${svc.journal.releaseId} ${svc.journal.phase}` : ""}`,
      );
      return ok(ctx.redact, `stack ${s.stack}: ${lines.join("; ") || "no services"}`, { status: s });
    },
  }),
  tool({
    name: "plan",
    group: "deployment_orchestrator",
    title: "Plan a release",
    description:
      "What releasing a version would do: the steps, weights, pauses, checks, the least time it takes and the revert target. Changes nothing.",
    input: { stack, service, version },
    async run(ctx, a) {
      const target = ctx.target(a.stack, a.service);
      await ctx.open(target);
      const plan = await planCommand(target, checkVersion(a.version));
      return ok(ctx.redact, renderPlan(plan), { plan });
    },
  }),
  tool({
    name: "health",
    group: "health_checker",
    title: "Run a service's checks once, now",
    description:
      "Runs the checks of the service's strategy once (one measurement each) against what runs now, without moving traffic: the candidate against stable while a release is open, else the stable version against itself.",
    input: { stack, service },
    async run(ctx, a, call) {
      const target = ctx.target(a.stack, a.service);
      await ctx.open(target);
      const t = await openTarget(target, ctx.store);
      const traffic = await currentTraffic(t);
      const open = isOpen((await t.state.journal(t.service.release.name))?.journal);
      const candidate =
        open && traffic.candidateVersion && traffic.candidateWeight > 0
          ? traffic.candidateVersion
          : traffic.stableVersion;
      const checks = checksOf(t.service.release.strategy).map(once);
      const release = t.service.release;
      const result = await runAnalysis(
        checks,
        {
          candidate,
          stable: traffic.stableVersion,
          candidateWeight: candidate === traffic.stableVersion ? 100 : traffic.candidateWeight,
          release,
          secrets: t.service.secrets,
          metrics: t.settings.metrics,
          httpBaseUrl: release.endpoint,
        },
        { signal: call.signal, onMeasurement: (m) => call.progress(`${m.check}: ${m.outcome}`) },
      );
      const what =
        checks.length === 0
          ? `${release.name} (${release.strategy.kind}) has no checks to run`
          : `${checks.length} check(s) of ${release.name} on ${candidate}${candidate === traffic.stableVersion ? "" : ` against ${traffic.stableVersion}`}: ${result.outcome} (${result.reason})`;
      return ok(ctx.redact, what, {
        service: release.name,
        measured: candidate,
        baseline: traffic.stableVersion,
        outcome: result.outcome,
        reason: result.reason,
        measurements: result.measurements,
      });
    },
  }),
  tool({
    name: "traffic_read",
    group: "traffic_router",
    title: "Where traffic is",
    description:
      "Each service's traffic entry (what the stack asks) and what the router applies, read back live; 'unverified' says why a router cannot be read.",
    input: { stack, service },
    async run(ctx, a) {
      const s = await stackStatus(ctx, a);
      const services = s.services.map((svc) => ({ name: svc.name, entry: svc.traffic, router: svc.router }));
      const text = services
        .map(
          (svc) =>
            `${svc.name}: ${svc.router.verified ? `${svc.router.candidateWeight}% to the candidate (verified, read back: ${svc.router.detail})` : `unverified: ${svc.router.reason}`}`,
        )
        .join("; ");
      return ok(ctx.redact, text || "no services", { stack: s.stack, services });
    },
  }),
  tool({
    name: "environments",
    group: "environment_manager",
    title: "Environments and their versions",
    description:
      "The project's stacks this server may act on, each with its environment name, whether it is production-marked, its next environment and the version each service runs.",
    input: {},
    async run(ctx) {
      const names =
        ctx.guard.allowedStacks ??
        (await listStacks({
          ...(ctx.options.workDir ? { workDir: ctx.options.workDir } : {}),
          ...(ctx.options.env ? { env: ctx.options.env } : {}),
          ...(ctx.options.pulumiPath ? { pulumiPath: ctx.options.pulumiPath } : {}),
        }));
      const stacks = [];
      for (const name of names) {
        try {
          const { stack: handle, settings, services: all } = await ctx.open(ctx.target(name));
          const entries = await handle.trafficEntries();
          const services = all.map((svc) => ({
            name: svc.release.name,
            running: entries[svc.release.name]?.stableVersion ?? svc.release.traffic.stableVersion,
            ...(svc.release.declaredVersion !== undefined ? { declared: svc.release.declaredVersion } : {}),
          }));
          const production = productionReason(settings);
          stacks.push({
            stack: name,
            environment: settings.environment,
            production: production !== undefined,
            ...(production ? { productionBecause: production } : {}),
            ...(settings.release.next ? { next: settings.release.next } : {}),
            services,
          });
        } catch (err) {
          stacks.push({ stack: name, error: err instanceof Error ? err.message : String(err) });
        }
      }
      const text = stacks
        .map((s) =>
          "error" in s
            ? `${s.stack}: cannot be read`
            : `${s.stack} (${s.environment}${s.production ? ", production" : ""}): ${s.services.map((v) => `${v.name} ${v.running}`).join(", ") || "no services"}`,
        )
        .join("; ");
      return ok(ctx.redact, text || "no stacks", { stacks });
    },
  }),
  tool({
    name: "config_read",
    group: "config_manager",
    title: "Release settings of a stack",
    description:
      "The stack's validated release settings (the progressive: namespace, defaults filled) and its traffic entries; secret values (webhook URLs, load headers, any secret config) are shown as [secret].",
    input: { stack },
    async run(ctx, a) {
      const { stack: handle, settings } = await ctx.open(ctx.target(a.stack));
      const load = settings.release.load;
      const shown = {
        ...settings,
        notify: Object.fromEntries(Object.keys(settings.notify).map((k) => [k, "[secret]"])),
        release: {
          ...settings.release,
          ...(load && typeof load === "object" && load.headers
            ? {
                load: {
                  ...load,
                  headers: Object.fromEntries(Object.keys(load.headers).map((k) => [k, "[secret]"])),
                },
              }
            : {}),
        },
      };
      return ok(ctx.redact, `settings of ${a.stack} (environment ${settings.environment})`, {
        settings: shown,
        traffic: await handle.trafficEntries(),
      });
    },
  }),
  tool({
    name: "history",
    group: "config_manager",
    title: "Release history and success figures",
    description:
      "The last releases (of a stack, or every stack in the release store; of one service or all) with outcome, reason and who started them, and the success rate, mean time to revert and releases per day.",
    input: {
      stack: stack
        .optional()
        .describe("only this stack's releases; default every stack's in the release store"),
      service,
      limit: z
        .number({ error: (i) => `limit (${JSON.stringify(i.input)}): must be a whole number from 1 to 200` })
        .int()
        .min(1)
        .max(200)
        .optional()
        .describe("how many of the newest releases to return; default 20"),
    },
    async run(ctx, a) {
      if (a.stack) ctx.target(a.stack);
      const h = await historyCommand(
        {
          ...(ctx.options.workDir ? { workDir: ctx.options.workDir } : {}),
          ...(a.stack ? { stackName: a.stack } : {}),
          ...(a.service ? { service: a.service } : {}),
        },
        ctx.store,
      );
      const allowed = ctx.guard.allowedStacks;
      const visible = h.releases.filter((r) => !allowed || allowed.some((s) => r.stack.endsWith(`/${s}`)));
      const releases = visible.slice(0, a.limit ?? 20);
      const s = allowed ? summarize(visible) : h.summary;
      return ok(
        ctx.redact,
        `${s.releases} release(s); success rate ${s.successRate === undefined ? "n/a" : `${Math.round(s.successRate * 100)}%`}; ${releases.length} shown, newest first`,
        { releases, summary: s },
      );
    },
  }),
];
