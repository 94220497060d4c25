// The Cloud Run router control against a fake ServicesClient. The fake's requests and answers are
// typed by @google-cloud/run's own types, and the real ServicesClient must fit the structural
// interface the control takes (checked at compile time below).
import * as assert from "node:assert/strict";
import type { protos, ServicesClient } from "@google-cloud/run";
import {
  loadRunClient,
  MISSING_RUN_CLIENT_MESSAGE,
  type RunServicesClient,
} from "../../../automation/routers/gcp/client";
import {
  allToStableTraffic,
  type CloudRunDescriptor,
  cloudRunControl,
  cloudRunReading,
  serviceResourceName,
} from "../../../automation/routers/gcp/cloud-run";
import { LEDGER_ANNOTATION } from "../../../components/gcp/revisions";

type IService = protos.google.cloud.run.v2.IService;
type IGetServiceRequest = protos.google.cloud.run.v2.IGetServiceRequest;
type IUpdateServiceRequest = protos.google.cloud.run.v2.IUpdateServiceRequest;

// Compile-time: the real client is one the control can use, and what the control sends is a
// request the real client takes.
const realFits: (c: ServicesClient) => RunServicesClient = (c) => c;
type Sent = Parameters<RunServicesClient["updateService"]>[0];
const sentFits: (r: Sent) => IUpdateServiceRequest = (r) => r;
type Asked = Parameters<RunServicesClient["getService"]>[0];
const askedFits: (r: Asked) => IGetServiceRequest = (r) => r;
void [realFits, sentFits, askedFits];

const R1 = "web-v1-aaaaaa";
const R2 = "web-v2-bbbbbb";
const D: CloudRunDescriptor = {
  kind: "gcp-cloud-run",
  project: "acme",
  location: "europe-west1",
  service: "web",
  revisions: { v1: R1, v2: R2 },
};
const NAME = "projects/acme/locations/europe-west1/services/web";
const REV = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION" as const;

/** A Cloud Run service that applies its traffic at once when updated. */
class FakeRun {
  gets: IGetServiceRequest[] = [];
  updates: IUpdateServiceRequest[] = [];
  failGet?: Error & { code?: number };
  /** Statuses Cloud Run reports after an update; default: the asked traffic. */
  applyAs?: (
    traffic: protos.google.cloud.run.v2.ITrafficTarget[],
  ) => protos.google.cloud.run.v2.ITrafficTargetStatus[];

  constructor(public service: IService) {}

  async getService(
    request: IGetServiceRequest,
  ): Promise<[IService, IGetServiceRequest | undefined, object | undefined]> {
    this.gets.push(request);
    if (this.failGet) throw this.failGet;
    return [structuredClone(this.service), undefined, undefined];
  }

  async updateService(request: IUpdateServiceRequest) {
    this.updates.push(structuredClone(request));
    const traffic = request.service?.traffic ?? [];
    this.service = {
      ...this.service,
      traffic,
      trafficStatuses: this.applyAs ? this.applyAs(traffic) : traffic.map((t) => ({ ...t, uri: "" })),
    };
    const done: IService = structuredClone(this.service);
    return [{ promise: async () => [done] as [IService] }] as const;
  }
}

function service(
  traffic: protos.google.cloud.run.v2.ITrafficTarget[],
  ledger?: Record<string, string>,
): IService {
  return {
    name: NAME,
    etag: "e1",
    annotations: ledger
      ? {
          [LEDGER_ANNOTATION]: JSON.stringify({
            v: 1,
            template: { version: "v2", revision: ledger.v2 },
            revisions: ledger,
            created: Object.values(ledger),
          }),
        }
      : {},
    traffic,
    trafficStatuses: traffic.map((t) => ({ ...t, uri: t.tag ? `https://${t.tag}---web.run.app` : "" })),
  };
}

function control(fake: FakeRun, d: CloudRunDescriptor = D) {
  return cloudRunControl(d, { client: async () => fake });
}

describe("gcp Cloud Run router control", () => {
  it("names the service as the Admin API does", () => {
    assert.equal(serviceResourceName(D), NAME);
  });

  it("reads the candidate's share from trafficStatuses, not the asked traffic", async () => {
    const fake = new FakeRun(
      service([
        { type: REV, revision: R1, percent: 90 },
        { type: REV, revision: R2, percent: 10, tag: "candidate" },
      ]),
    );
    // What is asked differs from what Cloud Run applies: the read reports what it applies.
    fake.service.traffic = [{ type: REV, revision: R2, percent: 50 }];
    const reading = await control(fake).read({
      stableVersion: "v1",
      candidateVersion: "v2",
      candidateWeight: 50,
    });
    assert.deepEqual(reading, {
      verified: true,
      candidateWeight: 10,
      detail: `${R1}=90%, ${R2}=10% [candidate]`,
    });
    assert.deepEqual(fake.gets, [{ name: NAME }]);
  });

  it("takes revisions from the live ledger before the descriptor", async () => {
    const r3 = "web-v3-cccccc";
    const fake = new FakeRun(
      service(
        [
          { type: REV, revision: R2, percent: 75 },
          { type: REV, revision: r3, percent: 25, tag: "candidate" },
        ],
        { v2: R2, v3: r3 },
      ),
    );
    const reading = await control(fake).read({
      stableVersion: "v2",
      candidateVersion: "v3",
      candidateWeight: 25,
    });
    assert.equal(reading.verified && reading.candidateWeight, 25);
  });

  it("reads the serving colour of a blue-green service from its tags", async () => {
    const fake = new FakeRun(
      service([
        { type: REV, revision: R1, percent: 0, tag: "blue" },
        { type: REV, revision: R2, percent: 100, tag: "green" },
      ]),
    );
    const reading = await control(fake).read({
      stableVersion: "v2",
      candidateVersion: "v1",
      candidateWeight: 0,
      activeColor: "green",
    });
    assert.deepEqual(reading, {
      verified: true,
      candidateWeight: 0,
      activeColor: "green",
      detail: `${R1}=0% [blue], ${R2}=100% [green]`,
    });
  });

  const unverifiedCases: [string, protos.google.cloud.run.v2.ITrafficTargetStatus[], string][] = [
    ["no statuses yet", [], "Cloud Run reports no traffic statuses for the service yet"],
    [
      "statuses that do not add up",
      [{ revision: R1, percent: 60 }],
      `the traffic statuses add up to 60%, not 100% (${R1}=60%)`,
    ],
    [
      "traffic on a third revision",
      [
        { revision: R1, percent: 80 },
        { revision: "web-v0-000000", percent: 20 },
      ],
      `20% goes to revisions other than ${R1} and ${R2} (${R1}=80%, web-v0-000000=20%)`,
    ],
  ];
  for (const [title, statuses, reason] of unverifiedCases) {
    it(`is unverified with ${title}`, () => {
      assert.deepEqual(
        cloudRunReading(
          statuses,
          { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 },
          (v) => D.revisions[v],
        ),
        { verified: false, reason },
      );
    });
  }

  it("is unverified, with the fix, when the API refuses", async () => {
    const fake = new FakeRun(service([]));
    fake.failGet = Object.assign(new Error("7 PERMISSION_DENIED: caller lacks run.services.get"), {
      code: 7,
    });
    const reading = await control(fake).read({ stableVersion: "v1", candidateWeight: 0 });
    assert.deepEqual(reading, {
      verified: false,
      reason: `could not read Cloud Run service ${NAME}: 7 PERMISSION_DENIED: caller lacks run.services.get (permission denied; grant the driver's credentials run.services.get and run.services.update (roles/run.developer))`,
    });
  });

  it("brakes: all traffic to the stable revision by name, tags kept at 0 %, then reads it back", async () => {
    const fake = new FakeRun(
      service([
        { type: REV, revision: R1, percent: 75 },
        { type: REV, revision: R2, percent: 25, tag: "candidate" },
      ]),
    );
    const brake = await control(fake).sendAllToStable(
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 },
      "v2",
    );
    assert.deepEqual(brake, { applied: true });
    assert.equal(fake.updates.length, 1);
    const sent = fake.updates[0] as IUpdateServiceRequest;
    assert.equal(sent.service?.name, NAME);
    assert.equal(sent.service?.etag, "e1");
    assert.deepEqual(sent.service?.traffic, [
      { type: REV, revision: R1, percent: 100 },
      { type: REV, revision: R2, percent: 0, tag: "candidate" },
    ]);
    assert.equal(fake.gets.length, 2);
  });

  it("reports a brake Cloud Run did not apply", async () => {
    const fake = new FakeRun(
      service([
        { type: REV, revision: R1, percent: 75 },
        { type: REV, revision: R2, percent: 25, tag: "candidate" },
      ]),
    );
    fake.applyAs = () => [
      { revision: R1, percent: 75 },
      { revision: R2, percent: 25, tag: "candidate" },
    ];
    const brake = await control(fake).sendAllToStable(
      { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 0 },
      "v2",
    );
    assert.deepEqual(brake, {
      applied: false,
      reason: `written, but Cloud Run still sends 25% away from ${R1} (${R1}=75%, ${R2}=25% [candidate])`,
    });
  });

  it("does not brake without a known stable revision", async () => {
    const fake = new FakeRun(service([{ type: REV, revision: R1, percent: 100 }]));
    const brake = await control(fake, { ...D, revisions: {} }).sendAllToStable(
      { stableVersion: "v1", candidateWeight: 0 },
      "v2",
    );
    assert.deepEqual(brake, {
      applied: false,
      reason: "no revision is known for stable version v1; the `up` reverts it",
    });
    assert.equal(fake.updates.length, 0);
  });

  it("builds the all-to-stable traffic: the colour's own tag first, LATEST targets dropped", () => {
    assert.deepEqual(
      allToStableTraffic(
        [
          { type: REV, revision: R1, percent: 0, tag: "blue" },
          { type: REV, revision: R2, percent: 100, tag: "green" },
          { type: "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", percent: 0 },
        ],
        R1,
        "blue",
      ),
      [
        { type: REV, revision: R1, percent: 100, tag: "blue" },
        { type: REV, revision: R2, percent: 0, tag: "green" },
      ],
    );
    assert.deepEqual(allToStableTraffic([{ type: REV, revision: R2, percent: 100 }], R1), [
      { type: REV, revision: R1, percent: 100 },
      { type: REV, revision: R2, percent: 0 },
    ]);
  });

  it("names the package to install when @google-cloud/run is missing", async () => {
    const missing = async () => {
      throw Object.assign(new Error("Cannot find package '@google-cloud/run' imported from x"), {
        code: "ERR_MODULE_NOT_FOUND",
      });
    };
    await assert.rejects(loadRunClient("acme", missing), { message: MISSING_RUN_CLIENT_MESSAGE });
    const reading = await cloudRunControl(D, { importer: missing }).read({
      stableVersion: "v1",
      candidateWeight: 0,
    });
    assert.deepEqual(reading, { verified: false, reason: MISSING_RUN_CLIENT_MESSAGE });
  });

  it("builds a ServicesClient for the descriptor's project from the loaded package", async () => {
    const built: unknown[] = [];
    class ServicesClient {
      constructor(opts: unknown) {
        built.push(opts);
      }
      getService = async () => [service([{ type: REV, revision: R1, percent: 100 }])] as const;
      updateService = async () => {
        throw new Error("not used");
      };
    }
    const control = cloudRunControl(D, { importer: async () => ({ v2: { ServicesClient } }) });
    assert.deepEqual(built, []);
    const reading = await control.read({ stableVersion: "v1", candidateWeight: 0 });
    assert.equal(reading.verified && reading.candidateWeight, 0);
    assert.deepEqual(built, [{ projectId: "acme" }]);
  });
});
