// Every platform's FeatureFlag under Pulumi mocks: the store's resource with its exact fields
// (flag file, ConfigMap data, AppConfig profile type and hosted content, App Configuration key,
// content type and targeting filter, Cloud Storage object), the rollout read from the traffic
// entry, and the release contract's router, metrics and flag outputs.
import * as assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import { FeatureFlag as AwsFeatureFlag } from "../../../components/aws";
import { FeatureFlag as AzureFeatureFlag } from "../../../components/azure";
import { type FlagdDocument, type ReleaseOutputs, ValidationError } from "../../../components/core";
import { FeatureFlag as GcpFeatureFlag } from "../../../components/gcp";
import { FeatureFlag as KubernetesFeatureFlag } from "../../../components/kubernetes";
import { FeatureFlag as LocalFeatureFlag } from "../../../components/local";
import { find, isSecret, promiseOf, settle, useMocks } from "../../support/mocks";
import { setTrafficConfig } from "../kubernetes/harness";

const variants = { on: true, off: false };
const at10 = { "new-checkout": { stableVersion: "off", candidateVersion: "on", candidateWeight: 10 } };
const split10 = {
  fractional: [
    ["on", 10],
    ["off", 90],
  ],
};

// biome-ignore lint/suspicious/noExplicitAny: resource inputs are untyped JSON
function cloudOutputs(type: string, inputs: any): Record<string, unknown> {
  switch (type) {
    case "aws:appconfig/application:Application":
      return { ...inputs, id: "new-checkout-app-id" };
    case "aws:appconfig/environment:Environment":
      return { ...inputs, environmentId: "env456" };
    case "aws:appconfig/configurationProfile:ConfigurationProfile":
      return { ...inputs, configurationProfileId: "prof789" };
    case "aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion":
      return { ...inputs, versionNumber: 3 };
    default:
      return inputs;
  }
}

async function released(component: pulumi.ComponentResource & { release: pulumi.Output<ReleaseOutputs> }) {
  const release = await promiseOf(component.release);
  await settle();
  return release;
}

describe("flags: FeatureFlag components", () => {
  beforeEach(async () => {
    await useMocks(cloudOutputs);
    setTrafficConfig(at10);
  });
  afterEach(() => setTrafficConfig(undefined));

  it("local: one flag in a flagd file at the path given, stepped from the traffic entry", async () => {
    const flag = new LocalFeatureFlag("new-checkout", {
      variants,
      defaultVariant: "off",
      path: "/tmp/f/flags.json",
    });
    const release = await released(flag);
    const file = find("pulumi-nodejs:dynamic/local:FlagFile", "new-checkout-flag").inputs;
    assert.equal(file.path, "/tmp/f/flags.json");
    assert.equal(file.key, "new-checkout");
    assert.deepEqual(file.flag, { state: "ENABLED", variants, defaultVariant: "off", targeting: split10 });
    assert.equal(release.type, "progressive:local:FeatureFlag");
    assert.equal(release.kind, "canary");
    assert.deepEqual(release.traffic, at10["new-checkout"]);
    assert.deepEqual(release.router, { kind: "flag-file", path: "/tmp/f/flags.json", flag: "new-checkout" });
    assert.deepEqual(release.metrics, {
      kind: "prometheus-flag",
      flag: "new-checkout",
      requests: "flag_requests_total",
      duration: "flag_request_duration_seconds",
    });
    assert.deepEqual(release.flag, {
      key: "new-checkout",
      variants,
      targetingKey: "targetingKey",
      rolloutVariant: "on",
      offVariant: "off",
    });
    assert.deepEqual(
      release.strategy.kind === "canary" &&
        release.strategy.steps.map((s) => (s.kind === "setWeight" ? s.weight : s.kind)),
      [5, "analysis", 10, "analysis", 25, "analysis", 50, "analysis", 100],
    );
  });

  it("local: the first deploy serves the default variant to everyone", async () => {
    setTrafficConfig(undefined);
    new LocalFeatureFlag("beta", {
      variants: { on: "blue", off: "grey" },
      path: "/tmp/f/flags.json",
      metrics: false,
    });
    await settle();
    assert.deepEqual(find("pulumi-nodejs:dynamic/local:FlagFile", "beta-flag").inputs.flag, {
      state: "ENABLED",
      variants: { on: "blue", off: "grey" },
      defaultVariant: "off",
    });
  });

  it("rejects a traffic entry naming a variant the flag does not have, before creating anything", async () => {
    setTrafficConfig({
      "new-checkout": { stableVersion: "off", candidateVersion: "maybe", candidateWeight: 5 },
    });
    assert.throws(
      () => new LocalFeatureFlag("new-checkout", { variants, path: "/tmp/f/flags.json" }),
      (e: unknown) =>
        e instanceof ValidationError &&
        /progressive:traffic\.new-checkout\.candidateVersion \("maybe"\): is not one of the flag's variants; use one of on, off/.test(
          e.message,
        ),
    );
  });

  it("kubernetes: a ConfigMap with the flagd document under flags.flagd.json", async () => {
    const flag = new KubernetesFeatureFlag("new-checkout", { variants, namespace: "shop" });
    const release = await released(flag);
    const cm = find("kubernetes:core/v1:ConfigMap", "new-checkout-flag").inputs;
    assert.equal(cm.metadata.name, "new-checkout-flag");
    assert.equal(cm.metadata.namespace, "shop");
    assert.deepEqual(Object.keys(cm.data), ["flags.flagd.json"]);
    const doc = JSON.parse(cm.data["flags.flagd.json"]) as FlagdDocument;
    assert.deepEqual(doc, {
      $schema: "https://flagd.dev/schema/v0/flags.json",
      flags: { "new-checkout": { state: "ENABLED", variants, defaultVariant: "off", targeting: split10 } },
    });
    assert.deepEqual(release.router, {
      kind: "kubernetes-flag-configmap",
      namespace: "shop",
      name: "new-checkout-flag",
      key: "flags.flagd.json",
      flag: "new-checkout",
    });
  });

  it("aws: an AppConfig feature-flag profile, the hosted flag content and its deployment", async () => {
    const flag = new AwsFeatureFlag("new-checkout", { variants, region: "eu-west-1" });
    const release = await released(flag);
    const profile = find(
      "aws:appconfig/configurationProfile:ConfigurationProfile",
      "new-checkout-profile",
    ).inputs;
    assert.equal(profile.type, "AWS.AppConfig.FeatureFlags");
    assert.equal(profile.locationUri, "hosted");
    assert.equal(profile.name, "new-checkout");
    assert.equal(profile.applicationId, "new-checkout-app-id");
    const version = find(
      "aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion",
      "new-checkout-version",
    ).inputs;
    assert.equal(version.contentType, "application/json");
    assert.equal(version.configurationProfileId, "prof789");
    // The aws SDK marks `content` secret; the mocks keep the secret's wrapper.
    assert.ok(isSecret(version.content));
    const content = JSON.parse(version.content.value);
    assert.equal(content.version, "1");
    assert.deepEqual(content.values["new-checkout"]._variants[0], {
      name: "on",
      enabled: true,
      rule: "(split by::$targetingKey pct::10)",
      attributeValues: { variant: "on", value: "true" },
    });
    const deployment = find("aws:appconfig/deployment:Deployment", "new-checkout-deployment").inputs;
    assert.deepEqual(
      {
        applicationId: deployment.applicationId,
        environmentId: deployment.environmentId,
        configurationProfileId: deployment.configurationProfileId,
        configurationVersion: deployment.configurationVersion,
        deploymentStrategyId: deployment.deploymentStrategyId,
      },
      {
        applicationId: "new-checkout-app-id",
        environmentId: "env456",
        configurationProfileId: "prof789",
        configurationVersion: "3",
        deploymentStrategyId: "AppConfig.AllAtOnce",
      },
    );
    assert.deepEqual(release.router, {
      kind: "aws-appconfig",
      region: "eu-west-1",
      applicationId: "new-checkout-app-id",
      environmentId: "env456",
      configurationProfileId: "prof789",
      flag: "new-checkout",
    });
  });

  it("aws: refuses a key AppConfig does not accept", () => {
    setTrafficConfig(undefined);
    assert.throws(
      () => new AwsFeatureFlag("NewCheckout", { variants }),
      /key \("NewCheckout"\): is not an AppConfig flag key/,
    );
  });

  it("azure: the feature-flag key, content type and Microsoft.Targeting filter", async () => {
    const flag = new AzureFeatureFlag("new-checkout", {
      variants,
      resourceGroupName: "rg",
      configStoreName: "flags",
      label: "prod",
      storeEndpoint: "https://flags.azconfig.io",
    });
    const release = await released(flag);
    const kv = find("azure-native:appconfiguration:KeyValue", "new-checkout-flag").inputs;
    assert.equal(kv.keyValueName, ".appconfig.featureflag~2Fnew-checkout$prod");
    assert.equal(kv.contentType, "application/vnd.microsoft.appconfig.ff+json;charset=utf-8");
    assert.equal(kv.configStoreName, "flags");
    assert.equal(kv.resourceGroupName, "rg");
    assert.deepEqual(JSON.parse(kv.value), {
      id: "new-checkout",
      description: "",
      enabled: true,
      conditions: {
        client_filters: [
          {
            name: "Microsoft.Targeting",
            parameters: { Audience: { Users: [], Groups: [], DefaultRolloutPercentage: 10 } },
          },
        ],
      },
    });
    assert.deepEqual(release.router, {
      kind: "azure-app-configuration",
      endpoint: "https://flags.azconfig.io",
      key: ".appconfig.featureflag/new-checkout",
      label: "prod",
      onVariant: "on",
    });
  });

  it("gcp: a flagd file in Cloud Storage, not cached", async () => {
    const flag = new GcpFeatureFlag("new-checkout", { variants, bucket: "acme-flags" });
    const release = await released(flag);
    const object = find("gcp:storage/bucketObject:BucketObject", "new-checkout-flag").inputs;
    assert.equal(object.bucket, "acme-flags");
    assert.equal(object.name, "flags/new-checkout.flagd.json");
    assert.equal(object.contentType, "application/json");
    assert.equal(object.cacheControl, "no-store");
    // The gcp SDK marks `content` secret; the mocks keep the secret's wrapper.
    assert.ok(isSecret(object.content));
    assert.deepEqual(JSON.parse(object.content.value).flags["new-checkout"].targeting, split10);
    assert.deepEqual(release.router, {
      kind: "gcs-flag-file",
      bucket: "acme-flags",
      object: "flags/new-checkout.flagd.json",
      flag: "new-checkout",
    });
    assert.equal(await promiseOf(flag.uri), "gs://acme-flags/flags/new-checkout.flagd.json");
  });
});
