// The constraint tables and their check: every row says its rule and where it is documented, the
// check reports resource, field, value and rule, and the tables cover exactly the resource types
// the cloud components create (every test's recorded cloud resources also go through them: a type
// without rows fails the run, see test/support/constraints/index.ts).

import * as assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import * as aws from "../../../components/aws";
import * as azure from "../../../components/azure";
import { Strategy } from "../../../components/core";
import * as gcp from "../../../components/gcp";
import {
  CLOUD_ROWS,
  checkProgram,
  describeViolation,
  isCloudType,
  TABLE_TYPES,
} from "../../support/constraints";
import { promiseOf, recorded, settle } from "../../support/mocks";
import { NETWORK, TASKS, useAwsMocks } from "../aws/harness";
import { deployed, SUBSCRIPTION, useAzureMocks } from "../azure/harness";
import { useGcpMocks } from "../gcp/harness";

/** Types only the examples create around the components (their resource group, workspace, environment). */
const EXAMPLE_TYPES = [
  "azure-native:resources:ResourceGroup",
  "azure-native:operationalinsights:Workspace",
  "azure-native:app:ManagedEnvironment",
];

const variants = { on: true, off: false };

describe("constraints: the tables", () => {
  it("every row names a cloud resource type, states its rule and cites its documentation", () => {
    for (const row of CLOUD_ROWS) {
      assert.ok(isCloudType(row.type), row.type);
      assert.ok(row.rule.length > 5, `${row.type} ${row.path}: no rule`);
      assert.match(
        row.source,
        /^https:\/\/(docs\.aws\.amazon\.com|cloud\.google\.com|learn\.microsoft\.com)\//,
        `${row.type} ${row.path}`,
      );
    }
  });

  it("reports resource, field, value, rule and source; reads names as the provider builds them", () => {
    const found = checkProgram([
      {
        type: "aws:lb/targetGroup:TargetGroup",
        name: "checkout-service-frontend-stable",
        inputs: { port: 8080 },
      },
      { type: "aws:lb/targetGroup:TargetGroup", name: "web-stable", inputs: { name: "web_stable", port: 0 } },
      {
        type: "aws:iam/rolePolicy:RolePolicy",
        name: "web-secrets",
        inputs: {
          policy: JSON.stringify({
            Statement: [{ Resource: ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db"] }],
          }),
        },
      },
      { type: "aws:made/up:Thing", name: "x", inputs: {} },
    ]).map(describeViolation);
    assert.deepEqual(found, [
      'aws:made/up:Thing "x": (type) = "aws:made/up:Thing" has no constraint rows: add them (rule: every cloud resource type the components create has rows in the constraint tables; test/support/constraints)',
      'aws:lb/targetGroup:TargetGroup "checkout-service-frontend-stable": name (auto-named) = "checkout-service-frontend-stable-0a1b2c3" is 40 characters, more than 32 (rule: unique per account and region; 1-32 letters, digits and -, not starting or ending with -; https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html)',
      'aws:lb/targetGroup:TargetGroup "web-stable": name = "web_stable" does not match /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/ (rule: unique per account and region; 1-32 letters, digits and -, not starting or ending with -; https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html)',
      'aws:lb/targetGroup:TargetGroup "web-stable": port = 0 is outside 1-65535 (rule: port 1-65535; https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html)',
      'aws:iam/rolePolicy:RolePolicy "web-secrets": policy.Statement[0].Resource[0] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:web/db" names a secret by a partial ARN, which matches no secret (its ARN ends with -<6 random characters>) (rule: resource ARNs; a Secrets Manager secret by its full ARN or <partial ARN>-??????; https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html#auth-and-access_examples_wildcard)',
    ]);
  });

  it("finds names that must be unique within their scope, and reads secret values", () => {
    const account = (name: string, accountId: unknown) => ({
      type: "gcp:serviceaccount/account:Account",
      name,
      inputs: { accountId, project: "p" },
    });
    // A secret input as the mocks record it: the wrapper with the plain value inside.
    const secret = { [specialSigKey]: specialSecretSig, value: "web-run" };
    assert.deepEqual(
      checkProgram([account("a-sa", "web-run"), account("b-sa", secret)]).map(
        (v) => `${v.name} ${v.field}: ${v.problem}`,
      ),
      ['b-sa accountId: is also the accountId of "a-sa"'],
    );
  });
});

describe("constraints: the tables cover every resource type the cloud components create", function () {
  this.timeout(60_000);
  const types = new Set<string>();
  const keep = () => {
    for (const r of recorded) if (isCloudType(r.type)) types.add(r.type);
  };
  const wait = async (c: { release: pulumi.Output<unknown> }) => {
    await promiseOf(c.release);
    await settle();
    keep();
  };

  it("AWS: every component, both controllers, a created and a shared ALB, secrets, autoscaling and flags", async () => {
    await useAwsMocks();
    const health = { readiness: { path: "/ready" } };
    const traffic = { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 };
    const args = {
      ...NETWORK,
      cluster: undefined,
      health,
      secretEnv: { DB: "arn:aws:ssm:eu-west-1:123456789012:parameter/db" },
    };
    await wait(new aws.CanaryService("c", { ...args, traffic, autoscaling: { maxReplicas: 4 } }));
    await wait(new aws.BlueGreenService("b", { ...args, version: "v1" }));
    await wait(new aws.RollingService("r", { ...args, version: "v1" }));
    await wait(
      new aws.CanaryService("e", {
        ...TASKS,
        securityGroups: ["sg"],
        health,
        controller: "ecs",
        version: "v1",
        listener: {
          listenerArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/1/2",
          priority: 10,
          conditions: [{ pathPattern: { values: ["/*"] } }],
          endpoint: "https://x",
        },
      }),
    );
    await wait(new aws.FeatureFlag("f", { variants, defaultVariant: "off", version: "off" }));
  });

  it("Google Cloud: every component with a created service account, secrets, invokers and the flag file", async () => {
    await useGcpMocks();
    const args = {
      location: "europe-west1",
      image: "europe-docker.pkg.dev/acme/web/app",
      invokers: ["group:ops@acme.com"],
      secretEnv: { API_KEY: { secret: "api-key" } },
      version: "v1",
    };
    await wait(new gcp.CanaryService("c", args));
    await wait(new gcp.BlueGreenService("b", args));
    await wait(new gcp.RollingService("r", { ...args, strategy: Strategy.recreate() }));
    await wait(
      new gcp.FeatureFlag("f", { variants, defaultVariant: "off", version: "off", bucket: "flags" }),
    );
  });

  it("Azure: Container Apps with Key Vault, Container Instances behind both layers, and the flag", async () => {
    await useAzureMocks();
    const env = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.App/managedEnvironments/env`;
    const vault = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv`;
    const aci = {
      resourceGroupName: "rg",
      location: "westeurope",
      image: "acme.azurecr.io/web",
      version: "v1",
    };
    for (const c of [
      new azure.containerApps.CanaryService("c", {
        resourceGroupName: "rg",
        environmentId: env,
        image: "acme.azurecr.io/web",
        version: "v1",
        secretEnv: { DB: "https://kv.vault.azure.net/secrets/db" },
        keyVaultId: vault,
      }),
      new azure.containerInstances.CanaryService("t", aci),
      new azure.containerInstances.BlueGreenService("f", {
        ...aci,
        trafficLayer: azure.TrafficLayer.frontDoor(),
      }),
      new azure.FeatureFlag("flag", {
        variants,
        defaultVariant: "off",
        version: "off",
        resourceGroupName: "rg",
        configStoreName: "store",
        storeEndpoint: "https://store.azconfig.io",
      }),
    ])
      await deployed(c);
    keep();
  });

  it("the recorded types and the tables' types are the same set (beside the examples' own)", () => {
    const tableTypes = [...TABLE_TYPES].filter((t) => !EXAMPLE_TYPES.includes(t)).sort();
    assert.deepEqual([...types].sort(), tableTypes);
  });
});
