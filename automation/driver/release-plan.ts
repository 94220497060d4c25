// Before a release runs: its plan, validated (version label, metric providers), the service's
// traffic now, its last journal, and the router control the run reads back and brakes with.
import { type Check, checkVersionLabel, formatValue, type Problem } from "../../components/core";
import { managedBy, routerControl } from "../platforms";
import type { RouterControl } from "../routers/types";
import { metricQueryProblems, unknownProviderProblems } from "./analysis";
import { ReleaseError } from "./errors";
import type { Journal } from "./journal";
import { asFlagPlan, buildPlan, type ReleasePlan } from "./plan";
import type { ReleaseSettings } from "./settings";
import type { StackService, TrafficEntry } from "./stack";
import type { ReleaseTarget } from "./types";

/** Checks that every metric check of the plan names a provider this service and stack have. */
export function checkProviders(plan: ReleasePlan, service: StackService, settings: ReleaseSettings): void {
  const all: Check[] = plan.actions.flatMap((a) => (a.kind === "analysis" ? [...a.checks] : []));
  // A check runs in several analysis steps; report it once.
  const checks = [...new Map(all.map((c) => [c.name, c])).values()];
  const problems = [
    ...unknownProviderProblems(checks, service.release, settings.metrics),
    ...metricQueryProblems(checks, service.release, settings.metrics),
  ];
  if (problems.length > 0) throw new ReleaseError("config", problems.join("; "));
}

/** The driver-side control of a service's router. */
export function controlOf(target: ReleaseTarget): RouterControl {
  return routerControl(target.service.release.router, target.service.secrets, {
    ...(target.settings.kubernetes.kubeconfig ? { kubeconfig: target.settings.kubernetes.kubeconfig } : {}),
    ...(target.settings.kubernetes.context ? { context: target.settings.kubernetes.context } : {}),
  });
}

/** Reads a service's current journal (undefined when it never had a release). */
export async function loadJournal(
  target: Pick<ReleaseTarget, "state">,
  service: string,
): Promise<Journal | undefined> {
  return (await target.state.journal(service))?.journal;
}

/** The service's traffic now: its `progressive:traffic` entry, else what its last deploy asked. */
export async function currentTraffic(target: ReleaseTarget): Promise<TrafficEntry> {
  const entries = await target.stack.trafficEntries();
  return entries[target.service.release.name] ?? target.service.release.traffic;
}

/** The plan of releasing `version` on a service, validated (providers, same version). */
export async function planRelease(target: ReleaseTarget, version: string): Promise<ReleasePlan> {
  // The component would reject it after the first `up`: say so before anything is written.
  const problems: Problem[] = [];
  checkVersionLabel(version, "version", problems);
  if (problems.length > 0) {
    const first = problems[0] as Problem;
    throw new ReleaseError(
      "usage",
      `${first.path} (${formatValue(first.value)}): ${first.message}; ${first.fix}`,
    );
  }
  const plan = buildPlan(
    `${target.stack.name}/${target.service.release.name}`,
    target.service.release.strategy,
    await currentTraffic(target),
    version,
  );
  checkProviders(plan, target.service, target.settings);
  const router = target.service.release.router;
  if (target.service.release.flag) return asFlagPlan(plan, target.service.release.name);
  const by = managedBy(router);
  return by ? { ...plan, managedBy: by } : plan;
}
