// Test harness for the Cloud Run components: Pulumi mocks that record every resource with its
// inputs and answer like Cloud Run would (a service URI, traffic statuses with tag URLs, a service
// account email), and a live service for `gcp.cloudrunv2.getService` that tests set (the previous
// deploy's annotations, as Cloud Run would return them) or leave unset (the service does not exist).

import * as pulumi from "@pulumi/pulumi";
import {
  CONFIG_NAMESPACE,
  resetServiceNames,
  TRAFFIC_KEY,
  type TrafficState,
} from "../../../components/core";
import { find, type Recorded, record, recorded } from "../../support/mocks";

export { all, find, isSecret, promiseOf, type Recorded, recorded, settle } from "../../support/mocks";

export const SERVICE = "gcp:cloudrunv2/service:Service";
export const INVOKER = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember";
export const ACCOUNT = "gcp:serviceaccount/account:Account";
export const SECRET_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember";
export const GET_SERVICE = "gcp:cloudrunv2/getService:getService";

/** The project the mocked provider deploys to when a component names none. */
export const DEFAULT_PROJECT = "acme-prod";

/** The live service `getService` returns; undefined: none (an empty answer, as for a missing service). */
let live: { annotations: Record<string, string> } | undefined;
/** When set, `getService` fails with this message (a read the credentials may not make). */
let liveFailure: string | undefined;
/** Arguments of every getService call. */
export const liveReads: Record<string, unknown>[] = [];

/** Sets what the live service looks like to the next deploy. */
export function setLiveService(annotations: Record<string, string> | undefined): void {
  live = annotations === undefined ? undefined : { annotations };
}

/** Makes the next reads of the live service fail. */
export function failLiveRead(message: string): void {
  liveFailure = message;
}

// biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
function outputsFor(type: string, inputs: any): Record<string, unknown> {
  if (type === SERVICE) {
    const host = `${inputs.name}-abc123-ew.a.run.app`;
    // biome-ignore lint/suspicious/noExplicitAny: traffic inputs are untyped JSON
    const statuses = (inputs.traffics ?? []).map((t: any) => ({
      ...t,
      uri: t.tag ? `https://${t.tag}---${host}` : "",
    }));
    return {
      ...inputs,
      project: inputs.project ?? DEFAULT_PROJECT,
      uri: `https://${host}`,
      trafficStatuses: statuses,
    };
  }
  if (type === ACCOUNT) {
    return {
      ...inputs,
      email: `${inputs.accountId}@${inputs.project ?? DEFAULT_PROJECT}.iam.gserviceaccount.com`,
    };
  }
  return inputs;
}

/** Installs fresh mocks; forgets resources, service names, the live service and its reads. */
export async function useGcpMocks(): Promise<void> {
  recorded.length = 0;
  liveReads.length = 0;
  live = undefined;
  liveFailure = undefined;
  resetServiceNames();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        record({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: outputsFor(args.type, args.inputs) };
      },
      call(args) {
        if (args.token !== GET_SERVICE) return args.inputs;
        liveReads.push(args.inputs);
        if (liveFailure) throw new Error(liveFailure);
        return live ? { name: args.inputs.name, annotations: live.annotations } : {};
      },
    },
    "project",
    "stack",
    false,
  );
}

/** The full config key of the traffic entries. */
const TRAFFIC_CONFIG = `${CONFIG_NAMESPACE}:${TRAFFIC_KEY}`;

/** Sets the stack's `progressive:traffic` object; undefined removes it. */
export function setTrafficConfig(entries: Record<string, Partial<TrafficState>> | undefined): void {
  const config = pulumi.runtime.allConfig();
  delete config[TRAFFIC_CONFIG];
  if (entries !== undefined) config[TRAFFIC_CONFIG] = JSON.stringify(entries);
  pulumi.runtime.setAllConfig(config);
}

/** The recorded Cloud Run service of a component. */
export function serviceOf(name: string): Recorded {
  return find(SERVICE, `${name}-service`);
}

/**
 * Starts the next deploy of the same program: fresh mocks, and a live service that carries the
 * annotations the last deploy of component `name` gave it (as Cloud Run would return them).
 */
export async function nextDeploy(name: string): Promise<void> {
  const annotations = serviceOf(name).inputs.annotations;
  await useGcpMocks();
  setLiveService(annotations);
}
