// Routers with nothing to read or write (in the manner of flagger's nop router): rolling and
// recreate services, whose traffic follows the instances, and descriptor kinds newer than this
// driver. Both answer rather than throw, so a release goes on with its steps marked "unverified".
import { notApplied, type RouterControl, unverified } from "./types";

/** Control of a `none` router: no weights to read, no brake to pull. */
export function nopControl(): RouterControl {
  return {
    kind: "none",
    read: async () => unverified("this router has no weights to read (rolling/recreate)"),
    sendAllToStable: async () =>
      notApplied("this router has no weights to write (rolling/recreate); the `up` reverts it"),
  };
}

/** Control of a descriptor kind this driver does not know (written by a newer component package). */
export function unknownControl(kind: unknown): RouterControl {
  const what = `router kind ${JSON.stringify(kind)} is not known to this driver`;
  const fix = "upgrade pulumi-progressive-delivery in the driver to the components' version";
  return {
    kind: "unknown",
    read: async () => unverified(`${what}; its weights cannot be read (${fix})`),
    sendAllToStable: async () => notApplied(`${what}; the \`up\` reverts it (${fix})`),
  };
}
