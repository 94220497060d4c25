// The local flag file as a router: reading it back is the truth (applications read the same file),
// and the brake rewrites the one flag to the stable variant at once, atomically and under the file's
// lock, then reads it back. Applications polling the file pick the change up at their next poll.
import type { RouterDescriptor } from "../../../components/core/contract";
import { readFlagFile, updateFlag } from "../../../components/local/runtime/flag-file";
import { writeAndVerify } from "../brake";
import { allToStableFlag, flagdReading, notAllToStable } from "../flags/reading";
import { errorText, notApplied, type RouterControl, unverified } from "../types";

type FlagFileDescriptor = Extract<RouterDescriptor, { kind: "flag-file" }>;

/** Control of a flag in a local flagd flag file. */
export function flagFileControl(d: FlagFileDescriptor): RouterControl {
  return {
    kind: "flag-file",

    async read(expect) {
      try {
        return flagdReading(readFlagFile(d.path), d.flag, expect, d.path);
      } catch (err) {
        return unverified(`could not read ${d.path}: ${errorText(err)}`);
      }
    },

    async sendAllToStable(target) {
      try {
        return await writeAndVerify({
          async writeAllToStable() {
            let missing = false;
            await updateFlag(d.path, d.flag, (current) => {
              if (!current) {
                missing = true;
                return undefined;
              }
              return allToStableFlag(current, target.stableVersion);
            });
            return missing ? `${d.path} has no flag ${d.flag}; the \`up\` writes it` : undefined;
          },
          read: async () =>
            flagdReading(readFlagFile(d.path), d.flag, { ...target, candidateWeight: 0 }, d.path),
          wrong: notAllToStable(d.path),
        });
      } catch (err) {
        return notApplied(`could not write ${d.path}: ${errorText(err)}`);
      }
    },
  };
}
