// Rules on secrets and exposure: no-plaintext-secrets, public-exposure. Each starts from the
// passing fixture (DB_PASSWORD read with secretKeyRef, an internal HTTPRoute, one allowed
// LoadBalancer) and changes one field.

import * as assert from "node:assert/strict";
import { Strategy } from "../../../components/core";
import { noPlaintextSecrets, publicExposure } from "../../../policies/rules";
import { prodStack } from "./fixture";
import {
  assertNoViolations,
  assertViolation,
  component,
  ingress,
  instanceSet,
  resolved,
  run,
  service,
} from "./util";

describe("policies: no-plaintext-secrets", () => {
  const policy = noPlaintextSecrets();

  it("accepts secrets read with secretKeyRef and plain non-secret values", async () => {
    await assertNoViolations(policy, prodStack());
  });

  it("refuses a secret-looking variable with a plain value, without printing the value", async () => {
    const args = prodStack((f) => {
      f.web.container.env = [{ name: "API_TOKEN", value: "tok-123-do-not-print" }];
    });
    await assertViolation(
      policy,
      args,
      'Read API_TOKEN of container "app" of "web-stable" from a secret (secretEnv; valueFrom.secretKeyRef on Kubernetes): it is a plain value.',
      "web-stable",
    );
  });

  it("refuses a secret read from a ConfigMap", async () => {
    const args = prodStack((f) => {
      f.web.container.env = [
        { name: "DB_PASSWORD", valueFrom: { configMapKeyRef: { name: "cfg", key: "pw" } } },
      ];
    });
    await assertViolation(
      policy,
      args,
      'Read DB_PASSWORD of container "app" of "web-stable" from a secret (secretEnv; valueFrom.secretKeyRef on Kubernetes): it comes from a ConfigMap ("configMapKeyRef"), which is not secret.',
    );
  });

  it("matches KEY as a word only, and leaves names that point at a secret", async () => {
    const args = prodStack((f) => {
      f.web.container.env = [
        { name: "MONKEY_COUNT", value: "3" },
        { name: "TLS_KEY_FILE", value: "/etc/tls/key.pem" },
        { name: "STRIPE_KEY", value: "sk_live_x" },
      ];
    });
    await assertViolation(
      policy,
      args,
      'Read STRIPE_KEY of container "app" of "web-stable" from a secret (secretEnv; valueFrom.secretKeyRef on Kubernetes): it is a plain value.',
    );
  });

  it("accepts names allowed in config", async () => {
    const args = prodStack(
      (f) => {
        f.web.container.env = [{ name: "PUBLIC_KEY", value: "ssh-ed25519 AAAA" }];
      },
      { config: { allowedNames: ["PUBLIC_KEY"] } },
    );
    await assertNoViolations(policy, args);
  });

  it("tells plain from secret env on the local platform", async () => {
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
          { slot: "stable", env: { SESSION_SECRET: "x" }, secretEnv: { DB_PASSWORD: "y" } },
          "api",
        ),
      );
    });
    await assertViolation(
      policy,
      args,
      'Read SESSION_SECRET of the process of "api-stable" from a secret (secretEnv; valueFrom.secretKeyRef on Kubernetes): it is a plain value.',
    );
  });
});

describe("policies: public-exposure", () => {
  const policy = publicExposure();

  it("accepts an internal HTTPRoute and an allowed LoadBalancer", async () => {
    await assertNoViolations(policy, prodStack());
  });

  it("refuses a LoadBalancer of a service the config does not allow", async () => {
    const args = prodStack(undefined, { config: { allowedServices: [], internalGateways: ["internal"] } });
    await assertViolation(
      policy,
      args,
      'Make the LoadBalancer Service "admin-service" internal, or allow service "admin" in public-exposure\'s allowedServices: it exposes "admin" publicly.',
      "admin-service",
    );
  });

  it("accepts an internal load balancer", async () => {
    const args = prodStack(
      (f) => {
        f.admin.service.metadata = { annotations: { "networking.gke.io/load-balancer-type": "Internal" } };
      },
      { config: { allowedServices: [], internalGateways: ["internal"] } },
    );
    await assertNoViolations(policy, args);
  });

  it("refuses an HTTPRoute on a public gateway", async () => {
    const args = prodStack((f) => {
      f.web.gateways = ["public-gateway"];
    });
    await assertViolation(
      policy,
      args,
      'Make the HTTPRoute "web-route" (web.example.com) internal, or allow service "web" in public-exposure\'s allowedServices: it exposes "web" publicly.',
      "web-route",
    );
  });

  it("refuses a NodePort Service and an Ingress outside any component", async () => {
    const args = prodStack((f) => {
      f.extra.push(service("debug", { spec: { type: "NodePort" } }));
      f.extra.push(
        ingress("docs", { spec: { ingressClassName: "nginx", rules: [{ host: "docs.example.com" }] } }),
      );
    });
    const outcome = await run(policy, args);
    assert.deepEqual(
      outcome.violations.map((v) => v.message),
      [
        'Make the NodePort Service "debug" internal, or allow service "debug" in public-exposure\'s allowedServices: it exposes "debug" publicly.',
        'Make the Ingress "docs" (docs.example.com) internal, or allow service "docs" in public-exposure\'s allowedServices: it exposes "docs" publicly.',
      ],
    );
  });
});
