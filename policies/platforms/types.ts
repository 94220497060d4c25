// The one thing a platform supplies to the pack: how its resource types map to the view.

import type { Exposure, Platform, Workload } from "../model";
import type { ResourceLike } from "./read";

/** Maps one platform's resources to workloads and exposures; unknown types give nothing. */
export interface PlatformMapper {
  readonly platform: Platform;
  /** The workload a resource is, if it is one. */
  workload(resource: ResourceLike): Workload | undefined;
  /** The exposure a resource is, if it is one. */
  exposure(resource: ResourceLike): Exposure | undefined;
}
