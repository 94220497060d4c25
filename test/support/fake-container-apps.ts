// A fake Container Apps client for one app: its ingress traffic and its revisions, each active or
// not and in a running state, typed by the SDK's own models. Calls are recorded in order; a test
// makes any call fail, hang or move a revision's state through `on`.
import * as assert from "node:assert/strict";
import type { ContainerApp, Revision, TrafficWeight } from "@azure/arm-appcontainers";
import type { ContainerAppsClientLike } from "../../automation/routers/azure";

/** A revision of the fake app. */
export type FakeRevision = Pick<Revision, "active" | "runningState" | "provisioningError">;

/** What a test may do when a call is made: throw, or change the app first. */
export type CallHook = (call: string) => void | Promise<void>;

export function restError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { name: "RestError", statusCode });
}

/** The fake app: `traffic` and `revisions` are live, changed by the calls and by the test. */
export function fakeContainerApps(
  traffic: TrafficWeight[],
  revisions: Record<string, FakeRevision>,
  on: CallHook = () => undefined,
) {
  const app = { traffic, revisions };
  const calls: string[] = [];
  const record = async (call: string, signal: AbortSignal | undefined, where = "rg/web") => {
    assert.equal(where, "rg/web", `${call} names the app`);
    assert.ok(signal, `${call} carries the deadline's signal`);
    calls.push(call);
    await on(call);
  };
  const revision = (name: string): FakeRevision => {
    const r = app.revisions[name];
    if (!r) throw restError(404, `ContainerAppRevisionNotFound: ${name}`);
    return r;
  };
  const client: ContainerAppsClientLike = {
    containerApps: {
      async get(rg, name, options): Promise<ContainerApp> {
        await record(`get ${rg}/${name}`, options?.abortSignal);
        return {
          location: "westeurope",
          configuration: {
            activeRevisionsMode: "Multiple",
            ingress: { traffic: structuredClone(app.traffic) },
          },
        };
      },
      async beginUpdateAndWait(rg, name, envelope: ContainerApp, options) {
        await record(`update ${rg}/${name}`, options?.abortSignal);
        app.traffic = envelope.configuration?.ingress?.traffic ?? [];
        return envelope;
      },
    },
    containerAppsRevisions: {
      async getRevision(rg, app, rev, options): Promise<Revision> {
        await record(`getRevision ${rev}`, options?.abortSignal, `${rg}/${app}`);
        return { ...revision(rev) };
      },
      async activateRevision(rg, app, rev, options) {
        await record(`activate ${rev}`, options?.abortSignal, `${rg}/${app}`);
        Object.assign(revision(rev), { active: true, runningState: "Processing" });
      },
      async deactivateRevision(rg, app, rev, options) {
        await record(`deactivate ${rev}`, options?.abortSignal, `${rg}/${app}`);
        Object.assign(revision(rev), { active: false, runningState: "Stopped" });
      },
    },
  };
  return { client, calls, app };
}
