// The Pulumi program the step-cost benchmark (step-cost.ts) releases, kept apart from the
// measurement code: one CanaryService "web" with a setWeight step per weight, and `others`
// services beside it that the release does not touch.
import * as path from "node:path";

/**
 * The program, as a user writes it: TypeScript importing the compiled library (what the package
 * ships), so each `up` transpiles this file only, not the library's sources.
 */
export const program = (
  lib: string,
) => `// step-cost benchmark: "web" is released; "others" services sit beside it untouched.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Step, Strategy } from ${JSON.stringify(path.join(lib, "components", "core"))};
import { CanaryService } from ${JSON.stringify(path.join(lib, "components", "local"))};

const config = new pulumi.Config();
const app = path.resolve(__dirname, "../examples/local-app/server.js");
const common = {
  command: [process.execPath, app],
  replicas: 1,
  stateDir: config.require("stateDir"),
  health: { readiness: { path: "/health/ready", interval: "100ms", timeout: "100ms" } },
  stopGrace: "2s",
  version: "v1",
};
const weights: number[] = config.requireObject("weights");
const pauses: string[] = config.requireObject("pauses");
const web = new CanaryService("web", {
  ...common,
  strategy: Strategy.canary({
    steps: [...weights.flatMap((w, i) => [Step.setWeight(w), Step.pause(pauses[i] ?? "0s")]), Step.setWeight(100)],
  }),
});
const others = config.getNumber("others") ?? 0;
for (let i = 1; i <= others; i++) {
  new CanaryService(\`other\${String(i).padStart(2, "0")}\`, {
    ...common,
    strategy: Strategy.canary({ steps: [Step.setWeight(100)] }),
  });
}
export const endpoint = web.endpoint;
`;
