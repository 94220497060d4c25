// CanaryService on Container Instances: a container group per slot (stable, and canary while there
// is a candidate) behind a traffic layer (Traffic Manager endpoints or Front Door origins) whose
// weights follow the traffic state. Groups are replaced, never updated in place (groups.ts): the
// stable group takes a new version only while its slot is at 0 % (the promotion's middle state).

import * as pulumi from "@pulumi/pulumi";
import {
  type ArgNames,
  type CanaryStrategy,
  type CanaryStrategyInput,
  dnsLabel,
  ProgressiveComponent,
  Strategy,
  serviceArgNames,
  type TrafficArgs,
  validateService,
} from "../../core";
import { CONTAINER_INSTANCES_ARG_NAMES, type ContainerInstancesArgs } from "./args";
import { checkContainerInstancesArgs, createGroup, slotsFor } from "./groups";
import { buildLayer } from "./trafficLayer";

const TYPE = "progressive:azure:ContainerInstancesCanaryService";

/** Arguments of {@link CanaryService} on Container Instances. */
export interface CanaryServiceArgs extends ContainerInstancesArgs, TrafficArgs {
  /** Steps and checks. Header routing is not available (neither layer routes by header). @default Strategy.canary({ headerRoute: false }) */
  readonly strategy?: CanaryStrategyInput;
}

/** Every argument name of {@link CanaryServiceArgs}, checked at run time: an unknown key is an error. */
const ARG_NAMES = serviceArgNames(CONTAINER_INSTANCES_ARG_NAMES) satisfies ArgNames<CanaryServiceArgs>;

/** A canary release of one service on Azure Container Instances. */
export class CanaryService extends ProgressiveComponent {
  readonly candidateWeight: pulumi.Output<number>;
  /** The resolved strategy for the release driver. */
  readonly strategy: pulumi.Output<CanaryStrategy>;

  constructor(name: string, args: CanaryServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const release = validateService("CanaryService", name, args, {
      names: ARG_NAMES,
      key: { platform: "azure-container-instances", scope: args.resourceGroupName, name: dnsLabel(name) },
      check: (r, problems) => {
        checkContainerInstancesArgs(args, r, problems);
        const s = args.strategy;
        if (s?.kind === "canary" && s.headerRoute !== undefined && s.headerRoute !== false) {
          problems.push({
            path: "strategy.headerRoute",
            value: s.headerRoute,
            message: "cannot be served: Traffic Manager and Front Door origins do not route by header",
            fix: "set headerRoute: false, and preview the candidate at previewEndpoint",
          });
        }
      },
      input: { strategy: args.strategy ?? Strategy.canary({ headerRoute: false }), replicas: 1 },
    });
    super(TYPE, name, release, opts);

    const strategy = { ...(release.strategy as CanaryStrategy) };
    delete (strategy as { headerRoute?: unknown }).headerRoute;
    const slots = slotsFor("canary", release.traffic);
    const groups = slots.map((slot) => ({
      slot,
      group: createGroup(this, name, args, release, "canary", slot),
    }));
    const layer = buildLayer(this, name, args, release, groups);
    const port = args.port ?? 8080;
    const canary = groups.find((g) => g.slot.slot === "canary");
    this.candidateWeight = pulumi.output(release.traffic.candidateWeight);
    this.strategy = pulumi.output(strategy);
    this.registerRelease({
      service: dnsLabel(name),
      endpoint: layer.endpoint,
      previewEndpoint: canary
        ? canary.group.ipAddress.apply((a) => `http://${a?.fqdn}:${port}`)
        : pulumi.output(undefined),
      router: layer.router,
      metrics: layer.metrics,
      trafficResources: layer.weighted,
    });
  }
}
