// The flag file provider's work: one flag of a flagd flag file. Create and update write the flag
// (atomically, under the file's lock) and read it back; delete removes the flag (and the file with
// its last flag); read reports what the file holds now, so a refresh shows a kill switch's write.
import { isDeepStrictEqual } from "node:util";
import type * as pulumi from "@pulumi/pulumi";
import type { FlagdFlag } from "../../core/flags";
import { readFlagFile, updateFlag } from "../runtime/flag-file";
import type { FlagFileInputs, FlagFileOutputs } from "./types";

async function write(inputs: FlagFileInputs): Promise<FlagFileOutputs> {
  const doc = await updateFlag(inputs.path, inputs.key, inputs.flag);
  const back = readFlagFile(inputs.path).flags[inputs.key];
  if (!isDeepStrictEqual(back, doc.flags[inputs.key])) {
    throw new Error(`flag ${inputs.key} in ${inputs.path} changed while it was written; run up again`);
  }
  return { path: inputs.path, key: inputs.key, flag: inputs.flag };
}

export async function create(inputs: FlagFileInputs): Promise<pulumi.dynamic.CreateResult> {
  const outs = await write(inputs);
  return { id: `${inputs.path}#${inputs.key}`, outs };
}

export async function read(id: string, props: FlagFileOutputs): Promise<pulumi.dynamic.ReadResult> {
  let flag: FlagdFlag | undefined;
  try {
    flag = readFlagFile(props.path).flags[props.key];
  } catch {
    flag = undefined;
  }
  return { id, props: { ...props, ...(flag ? { flag } : {}) } };
}

export async function diff(
  _id: string,
  olds: FlagFileOutputs,
  news: FlagFileInputs,
): Promise<pulumi.dynamic.DiffResult> {
  const replaces = (["path", "key"] as const).filter((k) => olds[k] !== news[k]);
  const changes = replaces.length > 0 || !isDeepStrictEqual(olds.flag, news.flag);
  return { changes, replaces, deleteBeforeReplace: false };
}

export async function update(
  _id: string,
  _olds: FlagFileOutputs,
  news: FlagFileInputs,
): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: await write(news) };
}

export async function remove(_id: string, props: FlagFileOutputs): Promise<void> {
  await updateFlag(props.path, props.key, undefined);
}
