// The promotion pipeline of a project, declared in `progressive.pipeline.yaml` beside Pulumi.yaml:
// stages in order, each a wave of one or more stacks. Read and validated whole before anything
// runs; every problem names its field, the value and the fix.
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import {
  checkDuration,
  checkKnownKeys,
  joinPath,
  type Problem,
  problem,
  throwIfProblems,
} from "../../components/core";

/** The pipeline file's name, beside the project's Pulumi.yaml. */
export const PIPELINE_FILE = "progressive.pipeline.yaml";

/** What happens to the stacks of a failed wave that already took the version. */
export type OnFailure = "rollback" | "keep";

/** One stage: a wave of stacks that take a version together. */
export interface PipelineStage {
  /** Unique in the pipeline; `pipeline approve --stage` names it. */
  readonly name: string;
  /** The stacks of the wave, released in this order. */
  readonly stacks: readonly string[];
  /** The services released on each stack. @default every service of the stack */
  readonly services?: readonly string[];
  /** How many stacks of the wave are released at once. @default 1 */
  readonly maxParallel: number;
  /** Seconds after this stage succeeds before the next stage may take the version. @default 0 */
  readonly soakSeconds: number;
  /** The stage waits for `pipeline approve <version> --stage <name>`. @default false */
  readonly approval: boolean;
  /** Stacks of the wave that took the version when another one failed. @default "rollback" */
  readonly onFailure: OnFailure;
}

/** A validated pipeline. */
export interface Pipeline {
  /** Names the pipeline's state in the release store. @default the project's name */
  readonly name: string;
  readonly stages: readonly PipelineStage[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** A stack name as pulumi takes it (optionally `org/stack` or `org/project/stack`). */
const STACK = /^(?:[A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;
const STAGE_KEYS = ["name", "stacks", "services", "maxParallel", "soak", "approval", "onFailure"];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function checkNames(
  value: unknown,
  at: string,
  problems: Problem[],
  what: { readonly rule: RegExp; readonly example: string },
): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(problem(at, value, "must be a non-empty list", `list names, e.g. [${what.example}]`));
    return undefined;
  }
  const out: string[] = [];
  value.forEach((v, i) => {
    if (typeof v !== "string" || !what.rule.test(v))
      problems.push(
        problem(
          joinPath(at, i),
          v,
          "is not a valid name",
          `use letters, digits, "-", "_" and ".", e.g. ${what.example}`,
        ),
      );
    else if (out.includes(v)) problems.push(problem(joinPath(at, i), v, "is listed twice", "list it once"));
    else out.push(v);
  });
  return out;
}

function checkStage(raw: unknown, at: string, problems: Problem[]): PipelineStage | undefined {
  if (!isObject(raw)) {
    problems.push(problem(at, raw, "must be a map", "give a stage such as {name: prod, stacks: [prod]}"));
    return undefined;
  }
  checkKnownKeys(raw, STAGE_KEYS, at, problems);
  const before = problems.length;
  const name = raw.name;
  if (typeof name !== "string" || !NAME.test(name))
    problems.push(
      problem(
        joinPath(at, "name"),
        name,
        "is not a stage name",
        'use 1-63 letters, digits, "-", "_" or ".", e.g. prod',
      ),
    );
  const stacks = checkNames(raw.stacks, joinPath(at, "stacks"), problems, {
    rule: STACK,
    example: "prod-a, prod-b",
  });
  const services =
    raw.services === undefined
      ? undefined
      : checkNames(raw.services, joinPath(at, "services"), problems, { rule: NAME, example: "web" });
  const maxParallel = raw.maxParallel ?? 1;
  if (typeof maxParallel !== "number" || !Number.isInteger(maxParallel) || maxParallel < 1)
    problems.push(
      problem(
        joinPath(at, "maxParallel"),
        maxParallel,
        "must be a whole number of 1 or more",
        "use e.g. 2; default 1",
      ),
    );
  const soak = raw.soak === undefined ? 0 : checkDuration(raw.soak, joinPath(at, "soak"), problems);
  const approval = raw.approval ?? false;
  if (typeof approval !== "boolean")
    problems.push(problem(joinPath(at, "approval"), approval, "must be true or false", "use approval: true"));
  const onFailure = raw.onFailure ?? "rollback";
  if (onFailure !== "rollback" && onFailure !== "keep")
    problems.push(
      problem(
        joinPath(at, "onFailure"),
        onFailure,
        "must be rollback or keep",
        "use onFailure: rollback (the default)",
      ),
    );
  if (problems.length > before || !stacks || soak === undefined) return undefined;
  return {
    name: name as string,
    stacks,
    ...(services ? { services } : {}),
    maxParallel: maxParallel as number,
    soakSeconds: soak,
    approval: approval as boolean,
    onFailure: onFailure as OnFailure,
  };
}

/** Validates a parsed pipeline file; throws one ValidationError listing every problem. */
export function parsePipeline(raw: unknown, defaultName: string, file = PIPELINE_FILE): Pipeline {
  const problems: Problem[] = [];
  const subject = `pipeline ${file}`;
  if (!isObject(raw)) {
    problems.push(problem("(file)", raw, "must be a map with stages", "start from the example in README.md"));
    throwIfProblems(subject, problems);
  }
  const doc = raw as Record<string, unknown>;
  checkKnownKeys(doc, ["name", "stages"], "", problems);
  const name = doc.name ?? defaultName;
  if (typeof name !== "string" || !NAME.test(name))
    problems.push(
      problem("name", name, "is not a pipeline name", 'use 1-63 letters, digits, "-", "_" or "."'),
    );
  const stages: PipelineStage[] = [];
  if (!Array.isArray(doc.stages) || doc.stages.length === 0)
    problems.push(
      problem(
        "stages",
        doc.stages,
        "must be a non-empty list",
        "list the stages in order, e.g. [{name: dev, stacks: [dev]}]",
      ),
    );
  else
    doc.stages.forEach((s, i) => {
      const stage = checkStage(s, `stages[${i}]`, problems);
      if (!stage) return;
      if (stages.some((o) => o.name === stage.name))
        problems.push(
          problem(`stages[${i}].name`, stage.name, "names another stage too", "give each stage its own name"),
        );
      for (const stack of stage.stacks) {
        const other = stages.find((o) => o.stacks.includes(stack));
        if (other)
          problems.push(
            problem(
              `stages[${i}].stacks`,
              stack,
              `is already in stage ${other.name}`,
              "put each stack in one stage",
            ),
          );
      }
      stages.push(stage);
    });
  throwIfProblems(subject, problems);
  return { name: name as string, stages };
}

/** Reads and validates `progressive.pipeline.yaml` (or `.json`) of the project in `workDir`. */
export function loadPipeline(workDir: string, defaultName: string): Pipeline {
  const candidates = [PIPELINE_FILE, "progressive.pipeline.json"].map((f) => path.join(workDir, f));
  const file = candidates.find((f) => fs.existsSync(f));
  const subject = `pipeline ${path.join(workDir, PIPELINE_FILE)}`;
  if (!file)
    throwIfProblems(subject, [
      problem(
        "(file)",
        undefined,
        "does not exist",
        `write ${PIPELINE_FILE} beside Pulumi.yaml (see README.md)`,
      ),
    ]);
  const text = fs.readFileSync(file as string, "utf8");
  const parsed = YAML.parseDocument(text);
  if (parsed.errors.length > 0)
    throwIfProblems(subject, [
      problem("(file)", parsed.errors[0]?.message, "is not valid YAML", "fix the syntax at the place named"),
    ]);
  return parsePipeline(parsed.toJS(), defaultName, path.basename(file as string));
}
