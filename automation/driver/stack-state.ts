// What the driver reads from a stack's exported state: the progressive services (found by the
// release contract, secrets decrypted in memory only), a component's `release` output as an event
// log or a preview carries it, and the choice of one service.
import { RELEASE_CONTRACT, type ReleaseOutputs, type ReleaseSecrets } from "../../components/core";
import { ReleaseError } from "./errors";

/** A service of the stack: a progressive component's contract outputs, read from the state. */
export interface StackService {
  /** URN of the component. */
  readonly urn: string;
  readonly release: ReleaseOutputs;
  /** Decrypted in memory only; never printed or written. */
  readonly secrets: ReleaseSecrets;
}

/** One resource of an exported stack deployment, as far as a platform's take-over work reads it. */
export interface StateResource {
  readonly urn?: string;
  readonly type?: string;
  readonly outputs?: Record<string, unknown>;
}

/** Pulumi's marker of a secret value in an exported deployment. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Replaces `--show-secrets` secret envelopes by their values. */
function unwrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o[SECRET_SIG] !== undefined && typeof o.plaintext === "string") {
      try {
        return unwrap(JSON.parse(o.plaintext));
      } catch {
        return o.plaintext;
      }
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrap(x)]));
  }
  return v;
}

/** The services in an exported deployment; a newer contract is an error naming the upgrade. */
export function servicesOf(deployment: unknown): StackService[] {
  const resources = (deployment as { resources?: unknown[] } | undefined)?.resources ?? [];
  const out: StackService[] = [];
  for (const r of resources as {
    type?: string;
    urn?: string;
    custom?: boolean;
    outputs?: Record<string, unknown>;
  }[]) {
    if (!r.type?.startsWith("progressive:") || r.custom || !r.outputs?.release) continue;
    const release = unwrap(r.outputs.release) as ReleaseOutputs;
    if (release.contract !== RELEASE_CONTRACT) {
      throw new ReleaseError(
        "config",
        `service ${release.name ?? r.urn} was deployed with release contract ${String(release.contract)}, but this driver reads contract ${RELEASE_CONTRACT}; use the pulumi-progressive-delivery version the program uses`,
      );
    }
    out.push({
      urn: r.urn ?? "",
      release,
      secrets: (unwrap(r.outputs.releaseSecrets) ?? {}) as ReleaseSecrets,
    });
  }
  return out;
}

/** Whether `v` is a component's `release` output of this driver's contract (as an event log carries it). */
export function isReleaseOutputs(v: unknown): v is ReleaseOutputs {
  if (!v || typeof v !== "object") return false;
  const r = v as Partial<ReleaseOutputs>;
  return (
    r.contract === RELEASE_CONTRACT &&
    typeof r.name === "string" &&
    typeof r.traffic === "object" &&
    r.traffic !== null &&
    typeof r.router === "object"
  );
}

/** What a preview tells of a component's release: the fields the program alone decides. */
export type ProgramRelease = Pick<ReleaseOutputs, "name" | "kind" | "strategy" | "traffic"> &
  Partial<Pick<ReleaseOutputs, "declaredVersion">>;

/** The program-decided fields of a `release` output seen in a preview, or undefined. */
export function programRelease(v: unknown): ProgramRelease | undefined {
  if (!v || typeof v !== "object") return undefined;
  const r = v as Partial<ReleaseOutputs>;
  if (r.contract !== RELEASE_CONTRACT || typeof r.name !== "string" || typeof r.kind !== "string")
    return undefined;
  if (typeof r.traffic !== "object" || r.traffic === null || typeof r.strategy !== "object") return undefined;
  return {
    name: r.name,
    kind: r.kind,
    strategy: r.strategy,
    traffic: r.traffic,
    ...(typeof r.declaredVersion === "string" ? { declaredVersion: r.declaredVersion } : {}),
  };
}

/** Picks the service named `name`, or the only one; lists the known ones otherwise. */
export function selectService(
  services: readonly StackService[],
  name: string | undefined,
  stack: string,
): StackService {
  const names = services.map((s) => s.release.name);
  if (services.length === 0) {
    throw new ReleaseError(
      "config",
      `stack ${stack} has no progressive services in its state; deploy a program that uses the components (pulumi up) first`,
    );
  }
  if (name === undefined) {
    if (services.length === 1) return services[0] as StackService;
    throw new ReleaseError(
      "usage",
      `stack ${stack} has ${services.length} services (${names.join(", ")}); choose one with --service <name>`,
    );
  }
  const found = services.find((s) => s.release.name === name);
  if (!found) {
    throw new ReleaseError(
      "usage",
      `stack ${stack} has no service named "${name}"; its services are ${names.join(", ")}`,
    );
  }
  return found;
}
