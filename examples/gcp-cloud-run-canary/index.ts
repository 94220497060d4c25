// A canary of a small web service on Cloud Run. The traffic split is stack state: the component
// reads its entry `progressive:traffic.hello` (versions and weight), and `version` is only the
// version of the first deploy, while that entry does not exist yet. The release driver
// (`progressive release 2024-06-02 --stack dev`) writes the entry and runs `pulumi up` between
// steps; by hand it is the same:
//
//   pulumi config set --path 'progressive:traffic.hello.stableVersion' 2024-06-01
//   pulumi config set --path 'progressive:traffic.hello.candidateVersion' 2024-06-02
//   pulumi config set --path 'progressive:traffic.hello.candidateWeight' 10 && pulumi up
//
// Each version is an immutable revision named from the version and a hash of its config; an abort
// or a revert only moves traffic back to the stable revision. Cloud Run cannot route by header, so
// testers reach the candidate at its `candidate` tag URL (previewEndpoint).

import * as pulumi from "@pulumi/pulumi";
import { Check, Step, Strategy } from "pulumi-progressive-delivery";
import { CanaryService } from "pulumi-progressive-delivery/gcp";

const config = new pulumi.Config();
const region = config.get("region") ?? "europe-west1";

// Images pinned by digest, one per version (what the policy pack's image-digest rule asks for).
const images: Record<string, string> = {
  "2024-06-01": `${region}-docker.pkg.dev/acme/hello/app@sha256:${"1".repeat(64)}`,
  "2024-06-02": `${region}-docker.pkg.dev/acme/hello/app@sha256:${"2".repeat(64)}`,
};

const web = new CanaryService("hello", {
  location: region,
  image: (version) => images[version] ?? `${region}-docker.pkg.dev/acme/hello/app:${version}`,
  version: "2024-06-01",
  invokers: "public", // a public website: the policy pack needs it in public-exposure's allowedServices
  minInstances: 1,
  maxInstances: 10,
  cpu: "1",
  memory: "512Mi",
  health: {
    readiness: { path: "/healthz", interval: "5s", timeout: "2s" },
    liveness: { path: "/healthz", initialDelay: "10s", interval: "10s" },
  },
  env: { GREETING: "hello" },
  secretEnv: { API_KEY: { secret: "hello-api-key" } }, // the service account may read this secret only
  strategy: Strategy.canary({
    // Cloud Monitoring has one-minute points and lags: analyse over minutes, not seconds.
    steps: [
      Step.setWeight(5),
      Step.analysis(),
      Step.pause("5m"),
      Step.setWeight(25),
      Step.analysis(),
      Step.setWeight(50),
      Step.analysis(),
      Step.setWeight(100),
    ],
    checks: [
      Check.http({ name: "home", path: "/", expectedStatus: [200] }),
      {
        kind: "metric",
        name: "http-5xx-rate",
        provider: "builtin",
        query: "http5xxRate",
        failureCondition: "> 0.05",
        interval: "3m",
        count: 2,
      },
    ],
    headerRoute: false,
  }),
});

export const endpoint = web.endpoint;
export const previewEndpoint = web.previewEndpoint;
export const stableVersion = web.stableVersion;
export const candidate = web.candidateVersion;
export const candidateWeight = web.candidateWeight;
export const revisions = web.revisions;
