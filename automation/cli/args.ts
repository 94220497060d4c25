// The `progressive` command line, parsed: node's util.parseArgs in strict mode with one options
// table per command. Pure (no I/O), so every usage error is unit-tested; ../cli.ts runs the result.
// A first, lenient pass reads the tokens so that each error can name the flag and the fix; the
// strict pass then gives the typed values.
import { parseArgs } from "node:util";
import {
  CONFIG_NAMESPACE,
  checkVersionLabel,
  formatProblem,
  type Problem,
  TRAFFIC_KEY,
} from "../../components/core";
import { ReleaseError } from "../driver/errors";
import type { StackTarget } from "../driver/stack";

interface FlagSpec {
  readonly type: "string" | "boolean";
  /** How the value is shown in help; string flags only. */
  readonly placeholder?: string;
  /** A value for the example in "needs a value" errors; string flags only. */
  readonly example?: string;
  readonly help: string;
  readonly short?: string;
}

const FLAGS = {
  stack: {
    type: "string",
    placeholder: "<name>",
    example: "dev",
    help: "the stack to act on; default: the project's selected stack (pulumi stack select)",
  },
  cwd: {
    type: "string",
    placeholder: "<dir>",
    example: "./infra",
    help: "folder of the Pulumi project (holds Pulumi.yaml); default: the current directory",
  },
  service: {
    type: "string",
    placeholder: "<name>",
    example: "web",
    help: "which service of the stack (its component's Pulumi name); needed only when it has several",
  },
  group: {
    type: "string",
    placeholder: "<name>",
    example: "checkout",
    help: "a release group of progressive:release.groups: its services step, are checked and revert as one",
  },
  pulumi: {
    type: "string",
    placeholder: "<path>",
    example: "/usr/local/bin/pulumi",
    help: "the pulumi binary to run; default: pulumi on PATH, else ~/.pulumi/bin/pulumi",
  },
  "state-dir": {
    type: "string",
    placeholder: "<dir>",
    example: "./.state",
    help: "a folder on this machine as the release store; default: see --state-store",
  },
  "state-store": {
    type: "string",
    placeholder: "<url>",
    example: "s3://my-bucket/progressive?region=eu-west-1",
    help: "where journals, locks, history and reports live (s3://, azblob://, gs://, k8s://, file://); default: $PROGRESSIVE_STATE_STORE, progressive:stateStore, beside the stack's object-store backend, else $PROGRESSIVE_STATE_DIR or ~/.local/state/pulumi-progressive-delivery",
  },
  json: { type: "boolean", help: "print events and the result as JSON, one object a line" },
  quiet: { type: "boolean", help: "print only the result, not each step" },
  approve: { type: "boolean", help: "approve a release to an environment that asks for approval" },
  full: { type: "boolean", help: "skip the remaining steps and promote" },
  to: {
    type: "string",
    placeholder: "<version>",
    example: "v1",
    help: "the earlier good version to go back to; default: the one before the current",
  },
  from: {
    type: "string",
    placeholder: "<stack>",
    example: "staging",
    help: "the stack whose last promoted version to release (required)",
  },
  retry: {
    type: "boolean",
    help: "release a declared version again although its last release was reverted",
  },
  variant: {
    type: "string",
    placeholder: "<variant>",
    example: "on",
    help: "the flag's variant to roll out; default: the flag's rolloutVariant",
  },
  "allow-changes": {
    type: "boolean",
    help: "let the agent run the tools that change traffic or settings (release, promote, abort, rollback, brake, config_set); default: read-only",
  },
  stacks: {
    type: "string",
    placeholder: "<a,b>",
    example: "dev,staging",
    help: "the only stacks the agent may name, comma-separated; default: every stack of the project",
  },
  "allow-production": {
    type: "boolean",
    help: "changes to production-marked stacks go ahead when the client cannot ask the user to confirm (no elicitation); default: refused",
  },
  stage: {
    type: "string",
    placeholder: "<name>",
    example: "prod",
    help: "the pipeline stage to approve the version for (a stage with approval: true)",
  },
  reason: {
    type: "string",
    placeholder: "<text>",
    example: '"errors in checkout"',
    help: "why the version is rejected (shown by pipeline status and when it is refused)",
  },
  port: {
    type: "string",
    placeholder: "<port>",
    example: "8080",
    help: "the port to listen on; default: 0, a free one (the address is printed)",
  },
  host: {
    type: "string",
    placeholder: "<address>",
    example: "127.0.0.1",
    help: "the address to listen on; default: 127.0.0.1 (this machine only)",
  },
  token: {
    type: "string",
    placeholder: "<token>",
    example: "a-long-random-secret",
    help: "the token changes need (16 characters or more); default: $PROGRESSIVE_DASHBOARD_TOKEN, else a random one, printed",
  },
  help: { type: "boolean", short: "h", help: "print this command's usage and options" },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;

interface CommandSpec {
  /** The positional argument, if the command takes one. */
  readonly argument?: "version" | "flag" | "release" | "action";
  readonly summary: string;
  readonly flags: readonly FlagName[];
  /** Help lines that differ from the flag's usual one. */
  readonly flagHelp?: Partial<Record<FlagName, string>>;
  readonly example: string;
}

/** Which stack, where its project is, which service, which pulumi. */
const TARGET = ["stack", "cwd", "service", "pulumi"] as const satisfies readonly FlagName[];
/** Every command that runs the driver on a stack. */
const RUN = [...TARGET, "state-store", "state-dir", "json", "quiet"] as const satisfies readonly FlagName[];

const COMMANDS = {
  release: {
    argument: "version",
    summary: "preflight, deploy at 0 %, step traffic and check, then promote or revert",
    flags: [...RUN, "group", "approve"],
    flagHelp: {
      service:
        "which service of the stack (its component's Pulumi name); needed only when it has several; web,api releases them as one group",
    },
    example: "progressive release v2 --stack dev",
  },
  sync: {
    summary:
      "release every service whose declared version (the program's `version`) is not the one running; the command CI runs on every push",
    flags: [...RUN, "retry", "approve"],
    example: "progressive sync --stack dev",
  },
  plan: {
    argument: "version",
    summary: "print the steps, pauses, checks and revert target; changes nothing",
    flags: [...TARGET, "json"],
    example: "progressive plan v2 --stack dev",
  },
  status: {
    summary: "where the release stands, where traffic really is, locks and pending operations",
    flags: [...RUN, "group"],
    example: "progressive status --stack dev",
  },
  resume: {
    summary: "continue a release whose driver was stopped",
    flags: [...RUN, "group"],
    example: "progressive resume --stack dev",
  },
  promote: {
    summary: "go on past a pause that waits for a decision (--full: skip to promotion)",
    flags: [...RUN, "group", "full"],
    example: "progressive promote --stack dev",
  },
  abort: {
    summary: "revert the release in progress (asks its driver, or takes over a stopped one)",
    flags: [...RUN, "group"],
    example: "progressive abort --stack dev",
  },
  rollback: {
    summary: "go back to an earlier good version from the history",
    flags: [...RUN, "to"],
    example: "progressive rollback --stack prod --to v1",
  },
  history: {
    summary: "releases with success rate, mean time to revert and releases per day",
    flags: ["stack", "cwd", "service", "state-store", "state-dir", "json"],
    flagHelp: {
      stack: "only this stack's releases (of the project in --cwd); default: every stack's",
      service: "only this service's releases; default: every service's",
    },
    example: "progressive history --stack prod",
  },
  "promote-env": {
    summary: "release the version last promoted in --from to --stack, through its own gates",
    flags: [...RUN, "from", "approve"],
    flagHelp: { stack: "the stack to release to (required)" },
    example: "progressive promote-env --from staging --stack prod",
  },
  "release-flag": {
    argument: "flag",
    summary:
      "roll a feature flag's variant out like a canary: step the share of users, compare the variants, then promote or revert to 0 %",
    flags: [...RUN, "variant", "approve"],
    example: "progressive release-flag new-checkout --stack dev --variant on",
  },
  flag: {
    argument: "flag",
    summary:
      "flag off <flag>: the kill switch; everyone back on the flag's off variant at once (a rollout's share to 0 %, or a promoted variant taken back), then recorded",
    flags: RUN,
    example: "progressive flag off new-checkout --stack prod",
  },
  report: {
    argument: "release",
    summary:
      "print a release's report (Markdown, or --json) as the release store holds it, from any machine that shares it",
    flags: [...TARGET, "state-store", "state-dir", "json"],
    example: "progressive report 20261206T150000Z-ab12cd --stack prod",
  },
  "store-import": {
    summary:
      "move this machine's unfinished releases and history of the stack into its shared release store (after switching to one)",
    flags: [...TARGET, "state-store", "json"],
    example: "progressive store-import --stack prod --state-store s3://my-bucket/progressive",
  },
  mcp: {
    summary:
      "serve the driver to an agent over the Model Context Protocol (stdio): status, plan, release, promote, abort, rollback, health, traffic, environments, settings, history",
    flags: ["cwd", "pulumi", "state-store", "state-dir", "allow-changes", "stacks", "allow-production"],
    example: "progressive mcp --cwd ./infra --stacks dev,staging --allow-changes",
  },
  pipeline: {
    argument: "action",
    summary:
      "take a version stage by stage through the stacks of progressive.pipeline.yaml: pipeline promote <version>, status, approve <version> --stage <name>, reject <version> [--reason <text>]",
    flags: ["cwd", "pulumi", "state-store", "state-dir", "json", "quiet", "stage", "reason"],
    example: "progressive pipeline promote v2 --cwd ./infra",
  },
  dashboard: {
    summary:
      "serve a web page of the stacks' services, the release in progress (live), and history; read-only unless --allow-changes",
    flags: ["cwd", "pulumi", "state-store", "state-dir", "stacks", "port", "host", "allow-changes", "token"],
    flagHelp: {
      "allow-changes": "let the page promote and abort, with the token; default: read-only",
      stacks:
        "the only stacks the page shows and acts on, comma-separated; default: every stack of the project",
    },
    example: "progressive dashboard --cwd ./infra --stacks dev,staging --port 8080",
  },
  help: {
    summary: "print this help, or a command's",
    flags: [],
    example: "progressive help release",
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** A stack target whose stack may be left to the project's selected stack (`pulumi stack select`). */
export type CliTarget = Omit<StackTarget, "stackName"> & { readonly stackName?: string };

/** What every command that runs the driver on a stack gets. */
interface StackRun {
  readonly target: CliTarget;
  /** @default the driver's default state directory */
  readonly stateDir?: string;
  /** @default the store chosen from the environment, the stack's settings and backend */
  readonly stateStore?: string;
  readonly json: boolean;
  readonly quiet: boolean;
}

/** A command line, parsed and checked. */
export type Invocation =
  | { readonly command: "help"; readonly topic?: CommandName }
  | (StackRun & { readonly command: "release"; readonly version: string; readonly approve: boolean })
  | (StackRun & { readonly command: "plan"; readonly version: string })
  | (StackRun & { readonly command: "sync"; readonly retry: boolean; readonly approve: boolean })
  | (StackRun & { readonly command: "status" | "resume" | "abort" })
  | (StackRun & { readonly command: "promote"; readonly full: boolean })
  | (StackRun & { readonly command: "rollback"; readonly to?: string })
  | (StackRun & { readonly command: "promote-env"; readonly from: StackTarget; readonly approve: boolean })
  | (StackRun & {
      readonly command: "release-flag";
      readonly flag: string;
      readonly variant?: string;
      readonly approve: boolean;
    })
  | (StackRun & { readonly command: "flag"; readonly action: "off"; readonly flag: string })
  | (StackRun & { readonly command: "report"; readonly releaseId: string })
  | (StackRun & { readonly command: "store-import" })
  | (Omit<StackRun, "target"> & {
      readonly command: "mcp";
      readonly workDir?: string;
      readonly pulumiPath?: string;
      readonly allowChanges: boolean;
      readonly allowProduction: boolean;
      /** The only stacks an agent may name. @default every stack */
      readonly stacks?: readonly string[];
    })
  | (Omit<StackRun, "target"> & {
      readonly command: "pipeline";
      readonly action: PipelineAction;
      readonly version?: string;
      readonly stage?: string;
      readonly reason?: string;
      readonly workDir?: string;
      readonly pulumiPath?: string;
    })
  | (Omit<StackRun, "target"> & {
      readonly command: "dashboard";
      readonly workDir?: string;
      readonly pulumiPath?: string;
      readonly stacks?: readonly string[];
      /** @default 0: a free port */
      readonly port: number;
      /** @default 127.0.0.1 */
      readonly host: string;
      readonly allowChanges: boolean;
      readonly token?: string;
    })
  | (Omit<StackRun, "target"> & {
      readonly command: "history";
      /** Every stack's releases when stackName is not given. */
      readonly target: Partial<Pick<StackTarget, "stackName" | "workDir" | "service">>;
    });

/** What `progressive pipeline` does. */
export type PipelineAction = "promote" | "status" | "approve" | "reject";
const PIPELINE_ACTIONS: readonly PipelineAction[] = ["promote", "status", "approve", "reject"];

const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

const usageError = (message: string) => new ReleaseError("usage", message);

/**
 * A Pulumi stack name: letters, digits, "-", "_" and ".", optionally qualified as `org/stack` or
 * `org/project/stack`; pulumi refuses anything else, so say so before a workspace is opened.
 */
const STACK_NAME = /^(?:[A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;

function checkStackName(flag: "stack" | "from", value: string): void {
  if (STACK_NAME.test(value)) return;
  throw usageError(
    `--${flag} (${JSON.stringify(value)}): is not a stack name; use letters, digits, "-", "_" and "." (or org/project/stack), e.g. --${flag} ${FLAGS[flag].example}`,
  );
}

/**
 * The components refuse a version that is not a label after the first `up` has changed the
 * stack; refuse it here, before anything is opened or written.
 */
function checkVersion(value: string): void {
  const problems: Problem[] = [];
  checkVersionLabel(value, "version", problems);
  const first = problems[0];
  if (first) throw usageError(formatProblem(first));
}

/** Levenshtein distance, for "did you mean" on a mistyped flag or command. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = row;
  }
  return prev[b.length] as number;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  const best = candidates
    .map((c) => ({ c, d: distance(word, c) }))
    .sort((x, y) => x.d - y.d)
    .find((x) => x.d <= 2 && x.d < word.length);
  return best?.c;
}

/** The util.parseArgs options of a command: its flags and --help. */
function optionsOf(spec: CommandSpec): Record<string, FlagSpec> {
  return Object.fromEntries([...spec.flags, "help" as const].map((f) => [f, FLAGS[f]]));
}

function checkTokens(command: Exclude<CommandName, "help">, args: readonly string[]): void {
  const spec: CommandSpec = COMMANDS[command];
  const options = optionsOf(spec);
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const seeHelp = `run progressive ${command} --help for its options`;
  const seen = new Map<string, string>();
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === "positional") positionals.push(t.value);
    if (t.kind !== "option") continue;
    if (!Object.hasOwn(options, t.name)) {
      const guess = t.rawName.startsWith("--") ? closest(t.name, spec.flags) : undefined;
      const why = Object.hasOwn(FLAGS, t.name)
        ? `${command} does not take ${t.rawName}`
        : `unknown flag ${t.rawName}`;
      throw usageError(`${why}${guess ? `; did you mean --${guess}?` : ""}; ${seeHelp}`);
    }
    const flag: FlagSpec = FLAGS[t.name as FlagName];
    if (flag.type === "boolean") {
      if (t.value !== undefined) throw usageError(`${t.rawName} takes no value; write ${t.rawName} alone`);
      if (seen.has(t.name)) throw usageError(`--${t.name} is given twice; give it once`);
      seen.set(t.name, "");
      continue;
    }
    const example = `e.g. --${t.name} ${flag.example}`;
    // "--stack --json" would make "--json" the stack's name; a value starting with "-" goes inline.
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith("-")))
      throw usageError(`--${t.name} needs a value, ${example}`);
    if (t.value.trim() === "") throw usageError(`--${t.name}= is empty; give it a value, ${example}`);
    const before = seen.get(t.name);
    if (before !== undefined)
      throw usageError(`--${t.name} is given twice (${before}, ${t.value}); give it once`);
    seen.set(t.name, t.value);
  }
  // `flag off <flag>`: an action, then the flag.
  const max = spec.argument ? (command === "flag" || command === "pipeline" ? 2 : 1) : 0;
  if (positionals.length > max) {
    const extra = positionals.slice(max).join(" ");
    throw usageError(
      max === 0
        ? `${command} takes no arguments, but got "${extra}"; flags start with --, e.g. --stack dev`
        : `${command} takes one ${spec.argument}, but got "${extra}" as well; ${seeHelp}`,
    );
  }
}

/**
 * Parses `progressive <command> [<version>] [flags]` (argv without node and the script).
 * Throws ReleaseError("usage") naming the flag or argument and what to do instead.
 */
export function parseCommandLine(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") return { command: "help" };
  if (first.startsWith("-"))
    throw usageError(`the command comes first, e.g. progressive release v2 --stack dev; got ${first}`);
  if (!isCommand(first)) {
    const guess = closest(first, COMMAND_NAMES);
    throw usageError(
      `unknown command "${first}"; ${guess ? `did you mean ${guess}? ` : ""}run progressive help`,
    );
  }
  if (first === "help") {
    const [topic, ...extra] = rest;
    if (topic === undefined) return { command: "help" };
    if (!isCommand(topic) || extra.length > 0)
      throw usageError(
        `help takes one command name, one of ${COMMAND_NAMES.join(", ")}; got "${rest.join(" ")}"`,
      );
    return { command: "help", topic };
  }
  const command = first;
  const options = optionsOf(COMMANDS[command]);
  // --help wins over anything else on the line, as in most command lines.
  if (rest.some((a) => a === "--help" || a === "-h")) return { command: "help", topic: command };
  checkTokens(command, rest);
  const parsed = (() => {
    try {
      return parseArgs({ args: rest, options, strict: true, allowPositionals: true });
    } catch (err) {
      // Only reached for a case checkTokens does not describe; node's message names the flag.
      throw usageError(`${(err as Error).message}; run progressive ${command} --help`);
    }
  })();
  const v = parsed.values as Partial<Record<FlagName, string | boolean>>;
  const str = (f: FlagName) => (typeof v[f] === "string" ? (v[f] as string) : undefined);
  const bool = (f: FlagName) => v[f] === true;
  const output = {
    ...(str("state-dir") ? { stateDir: str("state-dir") as string } : {}),
    ...(str("state-store") ? { stateStore: str("state-store") as string } : {}),
    json: bool("json"),
    quiet: bool("quiet"),
  };
  const where = {
    ...(str("cwd") ? { workDir: str("cwd") as string } : {}),
    ...(str("service") ? { service: str("service") as string } : {}),
    ...(str("group") ? { group: str("group") as string } : {}),
  };
  const stackName = str("stack");
  if (stackName) checkStackName("stack", stackName);
  if (command === "history")
    return { command, target: { ...(stackName ? { stackName } : {}), ...where }, ...output };
  const list = str("stacks")
    ?.split(",")
    .map((x) => x.trim());
  for (const name of list ?? []) {
    if (!STACK_NAME.test(name))
      throw usageError(
        `--stacks (${JSON.stringify(str("stacks"))}): ${JSON.stringify(name)} is not a stack name; list stack names separated by commas, e.g. --stacks ${FLAGS.stacks.example}`,
      );
  }
  if (command === "dashboard") {
    const port = str("port") ?? "0";
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535)
      throw usageError(
        `--port (${JSON.stringify(port)}): is not a port; give a whole number from 0 to 65535 (0: a free one), e.g. --port ${FLAGS.port.example}`,
      );
    const token = str("token");
    if (token !== undefined && token.length < 16)
      throw usageError(
        `--token (${token.length} characters): too short to guard changes; give at least 16 characters, or leave it out for a random one`,
      );
    if (token !== undefined && !bool("allow-changes"))
      throw usageError("--token guards changes, and they are off; add --allow-changes, or leave --token out");
    return {
      command,
      ...output,
      ...(where.workDir ? { workDir: where.workDir } : {}),
      ...(str("pulumi") ? { pulumiPath: str("pulumi") as string } : {}),
      ...(list ? { stacks: list } : {}),
      port: Number(port),
      host: str("host") ?? "127.0.0.1",
      allowChanges: bool("allow-changes"),
      ...(token !== undefined ? { token } : {}),
    };
  }
  if (command === "mcp") {
    return {
      command,
      ...output,
      ...(where.workDir ? { workDir: where.workDir } : {}),
      ...(str("pulumi") ? { pulumiPath: str("pulumi") as string } : {}),
      allowChanges: bool("allow-changes"),
      allowProduction: bool("allow-production"),
      ...(list ? { stacks: list } : {}),
    };
  }
  if (command === "pipeline") return pipelineInvocation(parsed.positionals, str, output, where.workDir);
  if (!stackName && command === "promote-env")
    throw usageError("promote-env needs --stack <name> (the stack to release to), e.g. --stack prod");
  const target: CliTarget = {
    ...(stackName ? { stackName } : {}),
    ...where,
    ...(str("pulumi") ? { pulumiPath: str("pulumi") as string } : {}),
  };
  const run = { target, ...output };
  const version = parsed.positionals[0];
  const needVersion = (): string => {
    if (!version) throw usageError(`${command} needs a version, e.g. progressive ${command} v2 --stack dev`);
    checkVersion(version);
    return version;
  };
  switch (command) {
    case "release":
      return { command, ...run, version: needVersion(), approve: bool("approve") };
    case "plan":
      return { command, ...run, version: needVersion() };
    case "sync":
      return { command, ...run, retry: bool("retry"), approve: bool("approve") };
    case "status":
    case "resume":
    case "abort":
    case "store-import":
      return { command, ...run };
    case "report": {
      const releaseId = parsed.positionals[0];
      if (!releaseId)
        throw usageError(
          "report needs a release id, e.g. progressive report 20261206T150000Z-ab12cd --stack prod (progressive history lists them)",
        );
      return { command, ...run, releaseId };
    }
    case "promote":
      return { command, ...run, full: bool("full") };
    case "rollback":
      return { command, ...run, ...(str("to") ? { to: str("to") as string } : {}) };
    case "release-flag": {
      const flag = version;
      if (!flag)
        throw usageError(
          "release-flag needs the flag (its component's name), e.g. progressive release-flag new-checkout --stack dev",
        );
      const variant = str("variant");
      if (variant) checkVersion(variant);
      return { command, ...run, flag, ...(variant ? { variant } : {}), approve: bool("approve") };
    }
    case "flag": {
      const [action, flag] = parsed.positionals;
      if (action !== "off" || !flag)
        throw usageError(
          `flag takes an action and the flag, e.g. progressive flag off new-checkout --stack dev; got "${parsed.positionals.join(" ")}"`,
        );
      return { command, ...run, action, flag };
    }
    case "promote-env": {
      const from = str("from");
      if (!from)
        throw usageError("promote-env needs --from <stack> (the verified environment) and --stack <next>");
      checkStackName("from", from);
      if (from === stackName)
        throw usageError(
          `--from (${JSON.stringify(from)}): is the stack being released to (--stack ${stackName}); name the environment that verified the version, e.g. --from staging --stack ${stackName}`,
        );
      return {
        command,
        ...run,
        from: { ...target, stackName: from },
        approve: bool("approve"),
      };
    }
  }
}

/** `pipeline <action> [<version>]`: the action, its version and the flags it takes. */
function pipelineInvocation(
  positionals: readonly string[],
  str: (f: FlagName) => string | undefined,
  output: Omit<StackRun, "target">,
  workDir: string | undefined,
): Invocation {
  const [action, version] = positionals;
  const fix = "e.g. progressive pipeline promote v2, pipeline status, pipeline approve v2 --stage prod";
  if (!PIPELINE_ACTIONS.includes(action as PipelineAction))
    throw usageError(
      `pipeline takes an action, one of ${PIPELINE_ACTIONS.join(", ")}; got "${action ?? ""}", ${fix}`,
    );
  const a = action as PipelineAction;
  if (a === "status" ? version !== undefined : version === undefined)
    throw usageError(
      a === "status"
        ? `pipeline status takes no version; got "${version}"`
        : `pipeline ${a} needs a version, ${fix}`,
    );
  if (version) checkVersion(version);
  const stage = str("stage");
  const reason = str("reason");
  if (a === "approve" && !stage)
    throw usageError(
      `pipeline approve needs --stage <name> (the stage that waits), e.g. --stage ${FLAGS.stage.example}`,
    );
  if (stage && a !== "approve")
    throw usageError(`--stage is for pipeline approve, not pipeline ${a}; remove it`);
  if (reason && a !== "reject")
    throw usageError(`--reason is for pipeline reject, not pipeline ${a}; remove it`);
  return {
    command: "pipeline",
    ...output,
    action: a,
    ...(version ? { version } : {}),
    ...(stage ? { stage } : {}),
    ...(reason ? { reason } : {}),
    ...(workDir ? { workDir } : {}),
    ...(str("pulumi") ? { pulumiPath: str("pulumi") as string } : {}),
  };
}

function flagLines(flags: readonly FlagName[], overrides: Partial<Record<FlagName, string>> = {}): string[] {
  const label = (f: FlagName) => {
    const spec: FlagSpec = FLAGS[f];
    return `${spec.short ? `-${spec.short}, ` : ""}--${f}${spec.placeholder ? ` ${spec.placeholder}` : ""}`;
  };
  const width = Math.max(...flags.map((f) => label(f).length));
  return flags.map((f) => `  ${label(f).padEnd(width)}  ${overrides[f] ?? FLAGS[f].help}`);
}

const commandUsage = (name: CommandName) => {
  const spec: CommandSpec = COMMANDS[name];
  if (name === "help") return "help [<command>]";
  if (name === "flag") return "flag off <flag>";
  if (name === "pipeline") return "pipeline <action> [<version>]";
  return `${name}${spec.argument ? ` <${spec.argument}>` : ""}`;
};

/** Where the driver finds services and settings; said in the general help and each command's. */
const ABOUT_STACK = [
  "The driver finds the services in the stack's state (the resources typed progressive:*),",
  "so it releases any Pulumi program that uses the components; --service picks one when there are several.",
  `Release settings (environment, gates, hooks, metric endpoints, notifications) live in the stack's config`,
  `under the \`${CONFIG_NAMESPACE}:\` namespace, e.g. pulumi config set --path ${CONFIG_NAMESPACE}:release.failFast true;`,
  `the driver itself writes ${CONFIG_NAMESPACE}:${TRAFFIC_KEY}.`,
];

const EXIT_CODES = [
  "Exit codes: 0 promoted or paused (sync: nothing left to release), 2 usage or config, 3 reverted,",
  "4 preflight or hook failed, 5 in progress or locked, 6 verification or engine error,",
  "7 sync skipped a declared version whose last release was reverted (--retry releases it), or a pipeline",
  "refused a rejected version; 130 interrupted.",
];

/** The general help, or one command's usage and options (one line each). */
export function helpText(topic?: CommandName): string {
  if (topic === undefined) {
    const names = COMMAND_NAMES.map(commandUsage);
    const width = Math.max(...names.map((n) => n.length));
    const common: FlagName[] = [...RUN, "help"];
    return [
      "usage: progressive <command> [<version>] [--stack <name>] [options]",
      "",
      "Releases a service of a Pulumi stack step by step: moves traffic, checks health and metrics",
      "between steps, and reverts to the last good state when a check fails.",
      "",
      "commands:",
      ...COMMAND_NAMES.map((n, i) => `  ${(names[i] as string).padEnd(width)}  ${COMMANDS[n].summary}`),
      "",
      "common options:",
      ...flagLines(common),
      "",
      ...ABOUT_STACK,
      "",
      ...EXIT_CODES,
      "Run progressive <command> --help for a command's own options.",
    ].join("\n");
  }
  const spec: CommandSpec = COMMANDS[topic];
  const required = topic === "promote-env" ? " --stack <name>" : "";
  const flags: FlagName[] = [...spec.flags, ...(topic === "help" ? [] : (["help"] as const))];
  return [
    `usage: progressive ${commandUsage(topic)}${required}${topic === "promote-env" ? " --from <stack>" : ""}${flags.length > 0 ? " [options]" : ""}`,
    "",
    `${spec.summary.charAt(0).toUpperCase()}${spec.summary.slice(1)}.`,
    ...(flags.length > 0 ? ["", "options:", ...flagLines(flags, spec.flagHelp)] : []),
    "",
    `example: ${spec.example}`,
    ...(topic === "help" || topic === "history" || topic === "pipeline" ? [] : ["", ...ABOUT_STACK]),
  ].join("\n");
}
