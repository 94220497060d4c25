// The local platform's proxy as a router: its admin API returns the table it applies (with a
// generation) and replaces it as a unit, so a read is the truth and the brake is one guarded write.
// The brake is the one exception to "traffic moves only through stack state": a revert must not
// wait for a whole `up` while a bad version serves users; the drift lasts until that `up`, which
// the driver runs next.
import type { ReleaseSecrets } from "../../../components/core/contract";
import { colorVersions, type TrafficState } from "../../../components/core/traffic";
import { candidateShare } from "../../../components/local/routes";
import { AdminApiError, ProxyAdminClient } from "../../../components/local/runtime/admin-client";
import type { RouteTable, RouteTableInput } from "../../../components/local/runtime/routing";
import { writeAndVerify } from "../brake";
import { controlContext } from "../context";
import {
  DEFAULT_ROUTER_TIMEOUT_MS,
  type Deadline,
  notApplied,
  type RouterControl,
  type RouterControlOptions,
  unverified,
} from "../types";

/** Writes tried when another writer changes the table between the brake's read and write. */
const BRAKE_ATTEMPTS = 3;

/**
 * The candidate's share in a proxy table. With a candidate it is the proxy's own figure
 * ({@link candidateShare}); without one (rolling, or a canary at rest) it is whatever the stable
 * version does not get, so old units still serving during a rolling update show as non-zero.
 */
export function proxyCandidateWeight(
  weights: Readonly<Record<string, number>>,
  expect: TrafficState,
): number {
  if (expect.candidateVersion === undefined) return 100 - (weights[expect.stableVersion] ?? 0);
  return candidateShare(weights, expect);
}

/** The table "all traffic to `stable`": instances and preview kept, a header route kept only to stable. */
export function allToStableTable(table: RouteTable, stable: string): RouteTableInput {
  const header = table.headerRoute;
  return {
    versions: table.versions.map((v) => ({
      name: v.name,
      weight: v.name === stable ? 100 : 0,
      instances: v.instances,
    })),
    ...(header && header.version === stable ? { headerRoute: header } : {}),
    ...(table.previewVersion ? { previewVersion: table.previewVersion } : {}),
  };
}

/** What a table says about blue-green colours, when `expect` is a blue-green state. */
function liveColor(table: RouteTable, expect: TrafficState): { color?: "blue" | "green"; note: string } {
  const live = table.versions.filter((v) => v.weight === 100).map((v) => v.name);
  if (live.length !== 1) return { note: "no single version gets all traffic" };
  const versions = colorVersions(expect);
  if (versions.blue === versions.green) {
    // Routes are named by version, so two colours running one version cannot be told apart.
    return { note: `both colours run ${live[0]}; the table cannot tell them apart` };
  }
  if (live[0] === versions.blue) return { color: "blue", note: `live: blue (${live[0]})` };
  if (live[0] === versions.green) return { color: "green", note: `live: green (${live[0]})` };
  return { note: `live: ${live[0]}, which neither colour runs` };
}

function describeTable(generation: number, table: RouteTable): string {
  const weights = table.versions.map((v) => `${v.name}=${v.weight}`).join(", ");
  const header = table.headerRoute
    ? `; header ${table.headerRoute.header} -> ${table.headerRoute.version}`
    : "";
  return `proxy table generation ${generation}: ${weights || "no versions"}${header}`;
}

/** A reason for a failed admin call that says what to do. */
function adminFailure(what: string, endpoint: string, err: unknown, d: Deadline): string {
  if (err instanceof AdminApiError && (err.status === 401 || err.status === 403)) {
    return `${what} at ${endpoint}: ${err.message}; the admin token in releaseSecrets.adminToken is not the proxy's (was the stack's state replaced?)`;
  }
  const text = d.describe(err);
  if (/ECONNREFUSED/.test(text)) {
    return `router unreachable: ${what} at ${endpoint}: nothing listens there (the service's proxy is down; the next \`up\` of the stack, or a release step, starts it again)`;
  }
  return `${what} at ${endpoint}: ${text}`;
}

/** Control of the local proxy behind `adminEndpoint`, with the bearer token `secrets.adminToken`. */
export function localProxyControl(
  adminEndpoint: string,
  secrets: ReleaseSecrets,
  o: RouterControlOptions = {},
): RouterControl {
  const timeoutMs = o.timeoutMs ?? DEFAULT_ROUTER_TIMEOUT_MS;
  const client = (): ProxyAdminClient => {
    const token = secrets.adminToken;
    if (!token)
      throw new Error("the release secrets have no adminToken; redeploy the service to register it");
    let url: URL;
    try {
      url = new URL(adminEndpoint);
    } catch {
      throw new Error(
        `the router's adminEndpoint ${JSON.stringify(adminEndpoint)} is not a URL; redeploy the service`,
      );
    }
    if (url.protocol !== "http:")
      throw new Error(`the router's adminEndpoint ${adminEndpoint} is not http://`);
    // The client's own per-call timeout backs up the deadline, which cannot cancel its requests.
    return new ProxyAdminClient({ host: url.hostname, port: Number(url.port || 80), token, timeoutMs });
  };
  // Calls catch their own errors, to name the step that failed (see adminFailure).
  const proxy = controlContext({ connect: client, timeoutMs });

  return {
    kind: "local-proxy",

    read(expect, signal) {
      return proxy.read(signal, async (c, d) => {
        try {
          const { generation, routes } = await d.race(c.getRoutes());
          const weights = Object.fromEntries(routes.versions.map((v) => [v.name, v.weight]));
          const detail = describeTable(generation, routes);
          const candidateWeight = proxyCandidateWeight(weights, expect);
          if (expect.activeColor === undefined) return { verified: true, candidateWeight, detail };
          const { color, note } = liveColor(routes, expect);
          return {
            verified: true,
            candidateWeight,
            ...(color ? { activeColor: color } : {}),
            detail: `${detail}; ${note}`,
          };
        } catch (err) {
          return unverified(adminFailure("could not read the proxy's routes", adminEndpoint, err, d));
        }
      });
    },

    sendAllToStable(target, _candidateVersion, signal) {
      return proxy.brake(signal, async (c, d) => {
        const stable = target.stableVersion;
        let step = "could not read the proxy's routes";
        try {
          return await writeAndVerify({
            async writeAllToStable() {
              // If-Match on the generation: a table changed since the read (a deploy's `up`) is read
              // again and rewritten rather than overwritten blindly; a few tries are enough.
              for (let attempt = 1; ; attempt++) {
                step = "could not read the proxy's routes";
                const current = await d.race(c.getRoutes());
                if (!current.routes.versions.some((v) => v.name === stable && v.instances.length > 0)) {
                  return `the proxy has no instances of ${stable}; sending traffic there would fail`;
                }
                step = "could not write the proxy's routes";
                d.check();
                try {
                  await d.race(c.putRoutes(allToStableTable(current.routes, stable), current.generation));
                  return undefined;
                } catch (err) {
                  if (!(err instanceof AdminApiError && err.status === 412) || attempt >= BRAKE_ATTEMPTS)
                    throw err;
                }
              }
            },
            async read() {
              step = "could not read the proxy's routes back";
              return (await d.race(c.getRoutes())).routes;
            },
            wrong(after) {
              const off = after.versions
                .filter((v) => v.weight !== (v.name === stable ? 100 : 0))
                .map((v) => `${v.name}=${v.weight}`);
              // A header route to anything but stable (the candidate) would still reach it.
              if (after.headerRoute && after.headerRoute.version !== stable) {
                off.push(`header route -> ${after.headerRoute.version}`);
              }
              return off.length === 0
                ? undefined
                : `the table read back does not send all traffic to ${stable}: ${off.join(", ")}`;
            },
          });
        } catch (err) {
          return notApplied(adminFailure(step, adminEndpoint, err, d));
        }
      });
    },
  };
}
