// Every platform the pack knows. Adding a platform is adding its mapper here; no rule changes.

import { aws } from "./aws";
import { azure } from "./azure";
import { gcp } from "./gcp";
import { kubernetes } from "./kubernetes";
import { local } from "./local";
import type { PlatformMapper } from "./types";

export type { PlatformMapper } from "./types";

/** The mappers in use, in no particular order (a resource type belongs to one platform). */
export const PLATFORMS: readonly PlatformMapper[] = [kubernetes, local, aws, gcp, azure];
