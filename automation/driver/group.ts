// Release groups: several services of one stack released as one (`--service web,api`, or a group
// named in `progressive:release.groups` and released with `--group`). The members step together, so
// they must follow the same step list; this module names the members and checks that they can.
import { ReleaseError } from "./errors";
import type { PlanAction, ReleasePlan } from "./plan";
import type { ReleaseSettings } from "./settings";

/** One member's plan, by its service name. */
export interface MemberPlan {
  readonly name: string;
  readonly plan: ReleasePlan;
}

/**
 * The services a release names: `--service a,b` (in the order given), or `--group <name>` from the
 * settings. Undefined when neither names a group (the release of one service, or the only one).
 */
export function groupMembers(
  o: { readonly service?: string; readonly group?: string },
  settings: Pick<ReleaseSettings, "release">,
): { readonly name?: string; readonly members: readonly string[] } | undefined {
  if (o.group !== undefined && o.service !== undefined)
    throw new ReleaseError(
      "usage",
      `--group (${o.group}) and --service (${o.service}) both name what to release; pass one of them`,
    );
  if (o.group !== undefined) {
    const groups = settings.release.groups;
    const members = groups[o.group];
    if (!members)
      throw new ReleaseError(
        "usage",
        `--group (${o.group}): progressive:release.groups has no group of that name; it has ${Object.keys(groups).join(", ") || "none"} (set one with pulumi config set --path 'progressive:release.groups.${o.group}[0]' <service>)`,
      );
    return { name: o.group, members: checkNames(members, `progressive:release.groups.${o.group}`) };
  }
  if (o.service === undefined || !o.service.includes(",")) return undefined;
  return { members: checkNames(o.service.split(","), "--service") };
}

/** Member names: trimmed, none empty, none twice. */
function checkNames(names: readonly string[], field: string): readonly string[] {
  const trimmed = names.map((n) => n.trim());
  const shown = JSON.stringify(names.join(","));
  if (trimmed.some((n) => n === ""))
    throw new ReleaseError(
      "usage",
      `${field} (${shown}) names an empty service; list names separated by commas`,
    );
  const twice = trimmed.filter((n, i) => trimmed.indexOf(n) !== i);
  if (twice.length > 0)
    throw new ReleaseError("usage", `${field} (${shown}) names ${twice[0]} twice; name each service once`);
  return trimmed;
}

/** What must be equal for two members to step together: the kind of each step and its weight or wait. */
function stepShape(a: PlanAction): string {
  switch (a.kind) {
    case "setWeight":
      return `${a.weight}%`;
    case "pause":
      return a.seconds === undefined ? "pause" : `pause ${a.seconds}s`;
    case "scaleDown":
      return `scaleDown after ${a.afterSeconds}s`;
    case "analysis":
      return `analysis on ${a.target}`;
    default:
      return a.kind;
  }
}

/**
 * Checks that a group's members can step together: the same strategy kind and the same step list
 * (each member's own checks are judged at its analysis steps), and that the driver moves each one's
 * traffic (a flag, or a service whose platform runs the release, is released apart). Every problem
 * is collected; the error names the members that differ and the fix.
 */
export function checkGroup(members: readonly MemberPlan[]): void {
  const problems: string[] = [];
  for (const m of members) {
    if (m.plan.flag)
      problems.push(`${m.name} is a feature flag; release flags apart (progressive flag rollout)`);
    else if (m.plan.managedBy)
      problems.push(
        `${m.name}'s traffic is moved by ${m.plan.managedBy}, not by the driver; release it apart`,
      );
  }
  const [first, ...rest] = members;
  for (const m of first ? rest : []) {
    const a = first as MemberPlan;
    const shape = (p: ReleasePlan) => p.actions.map(stepShape).join(" -> ");
    if (a.plan.strategy.kind === m.plan.strategy.kind && shape(a.plan) === shape(m.plan)) continue;
    const how =
      a.plan.strategy.kind !== m.plan.strategy.kind
        ? `${a.name} is ${a.plan.strategy.kind}, ${m.name} is ${m.plan.strategy.kind}`
        : `${a.name} steps ${shape(a.plan)}; ${m.name} steps ${shape(m.plan)}`;
    problems.push(
      `${a.name} and ${m.name} follow different steps (${how}); give them the same steps, or release them apart`,
    );
  }
  if (problems.length > 0)
    throw new ReleaseError(
      "usage",
      `cannot release ${members.map((m) => m.name).join(", ")} as one group: ${problems.join("; ")}`,
    );
}
