// The seed's pre-deployment checklist, automated. Each item reports ok or why not; the first
// failure stops the release before anything changes. Hooks (commands with deadlines) live here too.
import { type CheckInput, type Problem, resolveChecks } from "../../components/core";
import { runAnalysis } from "./analysis";
import { runCommand } from "./command";
import { ReleaseError } from "./errors";
import { strategyDifference } from "./plan";
import type { ReleaseSettings } from "./settings";
import type { StackService } from "./stack";
import type { ReleaseTarget } from "./types";

/** A preflight check of your own, for library users: it passes unless it throws. */
export interface PreflightCheck {
  readonly name: string;
  run(): Promise<void>;
}

export interface PreflightOptions {
  /** Checks of your own, run after the config's gates. @default none */
  readonly checks?: readonly PreflightCheck[];
  /** Approval given on the command line (`--approve`). @default false */
  readonly approve?: boolean;
  /** Asks a person; undefined when nobody can answer (CI, no terminal). */
  readonly prompt?: (question: string) => Promise<boolean>;
  /** The clock, for the deploy window. @default the real time */
  readonly now?: Date;
  /** Called with each checklist item and its result. @default none */
  readonly onItem?: (check: string, ok: boolean, detail: string) => void;
  /** The engine's output of the previews and refreshes. @default dropped */
  readonly onOutput?: (s: string) => void;
  /** Stops the gate commands and checks. @default none */
  readonly signal?: AbortSignal;
}

const DAY = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

/** Whether `now` is inside the window (in the window's time zone). */
export function insideWindow(
  window: NonNullable<ReleaseSettings["release"]["gates"]["window"]>,
  now: Date,
): boolean {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: window.timezone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const day = get("weekday").toLowerCase().slice(0, 3) as (typeof DAY)[number];
  const minutes = Number(get("hour")) * 60 + Number(get("minute"));
  const toMin = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return (
    (window.days as readonly string[]).includes(day) &&
    minutes >= toMin(window.start) &&
    minutes < toMin(window.end)
  );
}

/** Runs the checklist; throws ReleaseError("preflight") at the first failed item. */
export async function preflight(
  t: ReleaseTarget,
  o: PreflightOptions = {},
  /** The other members of a release group: the stack's checks run once, each service's for each. */
  also: readonly StackService[] = [],
): Promise<void> {
  const { stack, settings } = t;
  const cfg = settings;
  const services = [t.service, ...also];
  const item = (check: string, ok: boolean, detail: string) => {
    o.onItem?.(check, ok, detail);
    if (!ok) throw new ReleaseError("preflight", `preflight ${check} failed: ${detail}`);
  };
  item(
    "config",
    true,
    `stack ${stack.name} (${cfg.environment}) validates; ${services.map((s) => `service ${s.release.name} (${s.release.type})`).join(", ")}`,
  );
  for (const service of services) {
    const source = service.release.trafficSource;
    item(
      "traffic-source",
      source !== "arg",
      source !== "arg"
        ? `the component reads its traffic from progressive:traffic.${service.release.name}`
        : `the program passes an explicit traffic arg to ${service.release.name}, so the driver cannot move it; drop the arg (the component then reads progressive:traffic)`,
    );
  }

  const pending = await stack.pendingOperations();
  item(
    "pending-operations",
    pending === 0,
    pending === 0
      ? "no pending operations"
      : `${pending} pending operation(s) from an interrupted update; run pulumi refresh --clear-pending-creates`,
  );

  if (cfg.release.drift !== "off") {
    if (cfg.release.drift === "refresh") await stack.refresh(o.onOutput);
    const p = await stack.pendingChanges(o.onOutput);
    item(
      "drift",
      p.changes === 0,
      p.changes === 0
        ? `${cfg.release.drift === "refresh" ? "refresh and preview show" : "preview shows"} no changes`
        : `preview shows ${p.summary}: the stack differs from its program or config; run pulumi up first`,
    );
    // A strategy edited in the program changes no resource, so the preview alone would not say it.
    for (const service of services) {
      const inProgram = p.releases.get(service.release.name);
      const differs = inProgram && strategyDifference(service.release.strategy, inProgram.strategy);
      const whose = services.length > 1 ? `${service.release.name}: ` : "";
      item(
        "strategy",
        !differs,
        differs
          ? `${whose}the program's strategy differs from the deployed one (${differs}); run pulumi up first (it moves no traffic), so the release follows the program's`
          : `${whose}the program's strategy is the deployed one`,
      );
    }
  }

  if (cfg.release.policyPack) {
    await stack.previewWithPolicy(cfg.release.policyPack, o.onOutput);
    item("policy", true, `policy pack ${cfg.release.policyPack} passes`);
  }

  for (const command of cfg.release.gates.commands) {
    const r = await runCommand(command, {
      cwd: stack.workDir,
      timeoutSeconds: 300,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    item("command", r.ok, r.detail);
  }

  if (cfg.release.gates.checks.length > 0) {
    // The environment's own gate checks, run against what serves now (the stable version).
    const problems: Problem[] = [];
    const checks = resolveChecks(cfg.release.gates.checks as CheckInput[], "release.gates.checks", problems);
    item(
      "gate-checks",
      problems.length === 0,
      problems.map((p) => `${p.path}: ${p.message}; ${p.fix}`).join("; "),
    );
    for (const service of services) {
      const stable =
        (await stack.trafficEntries())[service.release.name]?.stableVersion ??
        service.release.traffic.stableVersion;
      const result = await runAnalysis(
        checks,
        {
          candidate: stable,
          stable,
          candidateWeight: 100,
          release: service.release,
          secrets: service.secrets,
          metrics: cfg.metrics,
        },
        o.signal ? { signal: o.signal } : {},
      );
      const whose = services.length > 1 ? `${service.release.name}: ` : "";
      item("gate-checks", result.outcome === "Successful", `${whose}${result.outcome}: ${result.reason}`);
    }
  }

  for (const check of o.checks ?? []) {
    let detail = `${check.name} passed`;
    let ok = true;
    try {
      await check.run();
    } catch (err) {
      ok = false;
      detail = `${check.name}: ${err instanceof Error ? err.message : String(err)}`;
    }
    item("check", ok, detail);
  }

  const window = cfg.release.gates.window;
  if (window) {
    const now = o.now ?? new Date();
    item(
      "window",
      insideWindow(window, now),
      `${now.toISOString()} vs ${window.days.join(",")} ${window.start}-${window.end} ${window.timezone}; wait for the window`,
    );
  }

  if (cfg.release.gates.approval) {
    if (o.approve) item("approval", true, "approved with --approve");
    else if (o.prompt)
      item(
        "approval",
        await o.prompt(`release to ${cfg.environment} (stack ${stack.name})?`),
        "approval declined",
      );
    else
      item("approval", false, `${cfg.environment} requires approval: pass --approve (never implicit in CI)`);
  }
}
