// What several rules walk over, and how they name it in messages.

import { describeEnvironment } from "../environment";
import type { ContainerView, DeploymentView, Workload } from "../model";
import { quote } from "../rule";

/** A container with the workload it runs in. */
export interface ContainerIn {
  readonly workload: Workload;
  readonly container: ContainerView;
}

/** Every container of every workload; init containers only when `withInit`. */
export function containersOf(view: DeploymentView, withInit: boolean): ContainerIn[] {
  return view.workloads.flatMap((workload) =>
    workload.containers
      .filter((container) => withInit || !container.init)
      .map((container) => ({ workload, container })),
  );
}

/** `container "app" of "web-stable"` (the process of a local workload is named after the workload only). */
export function containerLabel({ workload, container }: ContainerIn): string {
  if (workload.platform === "local") return `the process of ${quote(workload.name)}`;
  const kind = container.init ? "init container" : "container";
  return `${kind} ${quote(container.name)} of ${quote(workload.name)}`;
}

/** `prod` or `prod-eu (prod)`, for "in prod". */
export function environmentLabel(view: DeploymentView): string {
  return describeEnvironment(view.environment);
}
