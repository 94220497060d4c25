// What every pipeline command opens: the project's pipeline file (validated before anything else),
// the release store (the one its first stack uses, so CI runners and operators share it) and the
// pipeline's document in it.
import * as path from "node:path";
import { checkVersionLabel, type Problem, throwIfProblems } from "../../components/core";
import { openState } from "../driver/commands";
import { StackHandle } from "../driver/stack";
import type { StoreOptions } from "../driver/state";
import type { StackTarget } from "../driver/workspace";
import { projectName } from "../driver/workspace";
import type { ReleaseStore } from "../store/release-store";
import { PipelineState } from "./document";
import { loadPipeline, type Pipeline } from "./spec";

/** Where the project is and how pulumi runs: what every pipeline command takes. */
export interface PipelineTarget extends StoreOptions {
  /** Folder of the Pulumi project (holds Pulumi.yaml and progressive.pipeline.yaml). @default the current directory */
  readonly workDir?: string;
  /** Extra environment for every pulumi command. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** The `pulumi` binary to run. @default the one on PATH, else ~/.pulumi/bin/pulumi */
  readonly pulumiPath?: string;
}

export interface OpenedPipeline {
  readonly spec: Pipeline;
  readonly project: string;
  readonly store: ReleaseStore;
  readonly state: PipelineState;
  /** The driver's target for a stack of the pipeline (and one of its services). */
  stack(name: string, service?: string): StackTarget;
}

/** Refuses a version that is not a label, naming it, before anything is opened. */
export function checkVersion(version: string): void {
  const problems: Problem[] = [];
  checkVersionLabel(version, "version", problems);
  throwIfProblems("pipeline version", problems);
}

/** Reads the pipeline file, then opens the store of its first stack. */
export async function openPipeline(t: PipelineTarget): Promise<OpenedPipeline> {
  const workDir = path.resolve(t.workDir ?? process.cwd());
  const project = projectName(workDir);
  const spec = loadPipeline(workDir, project);
  const stack = (name: string, service?: string): StackTarget => ({
    workDir,
    stackName: name,
    ...(t.env ? { env: t.env } : {}),
    ...(t.pulumiPath ? { pulumiPath: t.pulumiPath } : {}),
    ...(service ? { service } : {}),
  });
  const first = spec.stages[0]?.stacks[0] as string;
  const handle = await StackHandle.open(stack(first));
  const opened = await openState(handle, await handle.settings(), t);
  return {
    spec,
    project,
    store: opened.store,
    state: new PipelineState(opened.store.objects, project, spec.name),
    stack,
  };
}
