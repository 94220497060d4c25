// Rules on how workloads run: health-checks, min-replicas, resource-limits, max-unavailable.
// Each starts from the passing fixture and changes one field.

import * as assert from "node:assert/strict";
import { Strategy } from "../../../components/core";
import { healthChecks, maxUnavailable, minReplicas, resourceLimits } from "../../../policies/rules";
import { bareDeployment, prodStack } from "./fixture";
import {
  assertNoViolations,
  assertViolation,
  component,
  instanceSet,
  resolved,
  rollingSet,
  run,
} from "./util";

describe("policies: health-checks", () => {
  const policy = healthChecks();

  it("accepts containers with readiness and liveness probes", async () => {
    await assertNoViolations(policy, prodStack());
  });

  it("refuses a container without a readiness probe", async () => {
    const args = prodStack((f) => {
      f.web.container.readinessProbe = undefined;
    });
    await assertViolation(
      policy,
      args,
      'Define a readiness check for container "app" of "web-stable" (health.readiness): without one, traffic reaches instances before they are ready.',
      "web-stable",
    );
  });

  it("refuses a container without a liveness probe, unless liveness is not required", async () => {
    const args = prodStack((f) => {
      f.web.container.livenessProbe = undefined;
    });
    await assertViolation(
      policy,
      args,
      'Define a liveness check for container "app" of "web-stable" (health.liveness): without one, a hung instance is never restarted.',
    );
    await assertNoViolations(healthChecks({ requireLiveness: false }), args);
  });

  it("asks a local workload for readiness only (the platform has no liveness checks)", async () => {
    const args = prodStack((f) => {
      f.extra.push(
        component("local", "CanaryService", "api", {
          strategy: resolved(Strategy.canary()),
          stableVersion: "v1",
        }),
      );
      f.extra.push(
        instanceSet(
          "api-stable",
          { slot: "stable", version: "v1", replicas: 2, env: {}, secretEnv: {} },
          "api",
        ),
      );
    });
    await assertViolation(
      policy,
      args,
      'Define a readiness check for the process of "api-stable" (health.readiness): without one, traffic reaches instances before they are ready.',
    );
  });
});

describe("policies: min-replicas", () => {
  const policy = minReplicas();

  it("counts the serving slots (stable, active colour), not the idle ones at 0", async () => {
    await assertNoViolations(policy, prodStack());
  });

  it("refuses a canary whose stable slot runs one instance", async () => {
    const args = prodStack((f) => {
      if (f.web.stable.spec) f.web.stable.spec.replicas = 1;
    });
    await assertViolation(
      policy,
      args,
      'Set replicas of "web" to at least 2 in prod: "web-stable" runs 1.',
      "web-stable",
    );
  });

  it("refuses a blue-green whose active colour runs fewer than the configured minimum", async () => {
    const args = prodStack(undefined, { config: { minReplicas: 3 } });
    const outcome = await run(policy, args);
    assert.deepEqual(
      outcome.violations.map((v) => v.message),
      ['Set replicas of "admin" to at least 3 in prod: "admin-blue" runs 2.'],
    );
  });

  it("refuses a bare Deployment with one replica", async () => {
    const args = prodStack((f) => {
      f.extra.push(bareDeployment("legacy", 1));
    });
    await assertViolation(policy, args, 'Set replicas of "legacy" to at least 2 in prod: it runs 1.');
  });
});

describe("policies: resource-limits", () => {
  const policy = resourceLimits();

  it("accepts cpu and memory requests and limits", async () => {
    await assertNoViolations(policy, prodStack());
  });

  it("refuses a container without limits, naming each missing field", async () => {
    const args = prodStack((f) => {
      f.web.container.resources = { requests: { cpu: "100m", memory: "128Mi" } };
    });
    await assertViolation(
      policy,
      args,
      'Set resources.limits.cpu and resources.limits.memory on container "app" of "web-stable".',
      "web-stable",
    );
  });

  it("takes the required resources from config", async () => {
    const args = prodStack(
      (f) => {
        f.web.container.resources = {
          requests: { cpu: "100m", memory: "128Mi" },
          limits: { memory: "256Mi" },
        };
      },
      { config: { limits: ["memory"] } },
    );
    await assertNoViolations(policy, args);
  });

  it("skips platforms that size instances themselves (local)", async () => {
    const args = prodStack((f) => {
      f.extra.push(instanceSet("api", { slot: "stable", version: "v1", replicas: 2, env: {} }));
    });
    await assertNoViolations(policy, args);
  });
});

describe("policies: max-unavailable", () => {
  const policy = maxUnavailable();

  it("accepts the Kubernetes default (unset: 25%)", async () => {
    await assertNoViolations(policy, prodStack());
  });

  it("refuses a rolling update that takes 50% down", async () => {
    const args = prodStack((f) => {
      if (f.web.stable.spec)
        f.web.stable.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "50%" } };
    });
    await assertViolation(
      policy,
      args,
      'Lower maxUnavailable of "web-stable" to 25% or less in prod: it is 50%.',
      "web-stable",
    );
  });

  it("reads a count as a share of the replicas", async () => {
    const args = prodStack((f) => {
      if (f.web.stable.spec)
        f.web.stable.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 2 } };
    });
    await assertViolation(
      policy,
      args,
      'Lower maxUnavailable of "web-stable" to 25% or less in prod: it is 2 of 3 instances (67%).',
    );
  });

  it("reads a local rolling set's rollout the same way", async () => {
    const args = prodStack((f) => {
      f.extra.push(
        component("local", "RollingService", "jobs", {
          strategy: resolved(Strategy.rolling()),
          stableVersion: "v1",
        }),
      );
      f.extra.push(
        rollingSet(
          "jobs-set",
          {
            version: "v1",
            replicas: 4,
            rollout: { kind: "rolling", maxSurge: 1, maxUnavailable: 2, readinessDelayMs: 0 },
          },
          "jobs",
        ),
      );
    });
    await assertViolation(
      policy,
      args,
      'Lower maxUnavailable of "jobs-set" to 25% or less in prod: it is 2 of 4 instances (50%).',
    );
  });

  it("ignores Recreate (production-strategy refuses it)", async () => {
    const args = prodStack((f) => {
      if (f.web.stable.spec) f.web.stable.spec.strategy = { type: "Recreate" };
    });
    await assertNoViolations(policy, args);
  });
});
