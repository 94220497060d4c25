// How the pack knows the environment (rule config, then the `environment` stack tag, then the
// stack name from the URNs), and which environments a rule applies in.

import * as assert from "node:assert/strict";
import { appliesIn, detectEnvironment, environmentClass, stackFromUrn } from "../../../policies/environment";
import { minReplicas } from "../../../policies/rules";
import { prodStack } from "./fixture";
import { run } from "./util";

const URN = "urn:pulumi:prod-eu::shop::kubernetes:apps/v1:Deployment::web";

describe("policies: environment", () => {
  it("reads the stack name from a URN", () => {
    assert.equal(stackFromUrn(URN), "prod-eu");
    assert.equal(stackFromUrn("not-a-urn"), undefined);
  });

  it("classes names by their first word, with aliases", () => {
    assert.deepEqual(
      ["prod", "production", "prod-eu", "PROD_2", "acme/shop/live", "stg", "development", "feature-x"].map(
        environmentClass,
      ),
      ["prod", "prod", "prod", "prod", "prod", "staging", "dev", "feature"],
    );
  });

  it("prefers config, then the environment stack tag, then the stack name", () => {
    const stackTags = new Map([["environment", "staging"]]);
    assert.deepEqual(detectEnvironment({ configured: "dev", stackTags, urns: [URN] }), {
      name: "dev",
      class: "dev",
      source: "config",
    });
    assert.equal(detectEnvironment({ configured: "", stackTags, urns: [URN] }).source, "stack-tag");
    assert.deepEqual(detectEnvironment({ urns: [URN] }), {
      name: "prod-eu",
      class: "prod",
      source: "stack-name",
    });
    assert.equal(detectEnvironment({}).source, "unknown");
  });

  it("matches '*', a class, or an exact name", () => {
    const prodEu = detectEnvironment({ urns: [URN] });
    assert.equal(appliesIn(prodEu, ["*"]), true);
    assert.equal(appliesIn(prodEu, ["prod"]), true);
    assert.equal(appliesIn(prodEu, ["production"]), true);
    assert.equal(appliesIn(prodEu, ["prod-eu"]), true);
    assert.equal(appliesIn(prodEu, ["prod-us"]), false);
    assert.equal(appliesIn(prodEu, ["staging"]), false);
    assert.equal(appliesIn(detectEnvironment({}), ["prod"]), false);
  });

  it("applies production rules on a stack named prod-*, not on a dev stack", async () => {
    const change = (f: Parameters<NonNullable<Parameters<typeof prodStack>[0]>>[0]) => {
      if (f.web.stable.spec) f.web.stable.spec.replicas = 1;
    };
    assert.equal((await run(minReplicas(), prodStack(change, { stack: "prod-7x2k" }))).violations.length, 1);
    const dev = await run(minReplicas(), prodStack(change, { stack: "dev" }));
    assert.equal(dev.notApplicable, "applies in prod; the stack is dev");
  });

  it("lets config name the environment whatever the stack is called", async () => {
    const outcome = await run(
      minReplicas(),
      prodStack(undefined, { stack: "dev", config: { environment: "prod" } }),
    );
    assert.equal(outcome.notApplicable, undefined);
  });

  it("lets a stack tag name the environment", async () => {
    const outcome = await run(
      minReplicas(),
      prodStack(undefined, { stack: "eu-1", stackTags: { environment: "production" } }),
    );
    assert.equal(outcome.notApplicable, undefined);
  });

  it("widens a rule to more environments through config", async () => {
    const args = prodStack(undefined, { stack: "staging", config: { environments: ["prod", "staging"] } });
    assert.equal((await run(minReplicas(), args)).notApplicable, undefined);
  });
});
