// The policy pack: `pulumi preview --policy-pack <this folder>`. This file only constructs the
// PolicyPack (which starts the policy server); the rules live in ./rules and can be imported alone.

import { PolicyPack } from "@pulumi/policy";
import { allRules } from "./rules";

new PolicyPack("progressive-delivery", {
  description:
    "Deploy rules of pulumi-progressive-delivery: progressive strategies in production, health checks, pinned images, no plain secrets, no unplanned public exposure, a revert target for every service.",
  policies: allRules(),
});
