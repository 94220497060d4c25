// Flags in cloud stores the driver does not read yet (AWS AppConfig, Azure App Configuration, a
// flagd file in Cloud Storage): steps are reported "unverified" with the reason, and the revert
// brake is left to the `up` that follows (which writes and, for AppConfig, deploys the state).
import type { RouterDescriptor } from "../../../components/core/contract";
import { notApplied, type RouterControl, unverified } from "../types";

type CloudFlagDescriptor = Extract<
  RouterDescriptor,
  { kind: "aws-appconfig" | "azure-app-configuration" | "gcs-flag-file" }
>;

const WHY: Record<CloudFlagDescriptor["kind"], string> = {
  "aws-appconfig":
    "reading an AppConfig flag back needs the AppConfig data plane (@aws-sdk/client-appconfigdata), which this driver does not load",
  "azure-app-configuration":
    "reading an App Configuration flag back needs @azure/app-configuration, which this driver does not load",
  "gcs-flag-file":
    "reading a flag file in Cloud Storage needs @google-cloud/storage, which this driver does not load",
};

/** Control of a flag in a cloud store: unverified reads, no brake (the `up` reverts). */
export function cloudFlagControl(d: CloudFlagDescriptor): RouterControl {
  const why = WHY[d.kind];
  return {
    kind: d.kind,
    read: async () => unverified(`${why}; the stack's outputs show what was written`),
    sendAllToStable: async () => notApplied(`${why}; the \`up\` that follows writes 0 %`),
  };
}
