// Where the driver finds pulumi and the project: the CLI binary, the environment every command
// runs with, the selected stack, the project's name and backend (Pulumi.yaml).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import * as YAML from "yaml";
import { classifyError, ReleaseError } from "./errors";

/** Which stack to drive. */
export interface StackTarget {
  /** Folder of the Pulumi project (holds Pulumi.yaml). @default the current directory */
  readonly workDir?: string;
  /** Stack name, e.g. `dev`. */
  readonly stackName: string;
  /** Extra environment for every pulumi command (backend URL, passphrase...). @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Which service of the stack (a component's Pulumi name); needed only when it has several.
   * `web,api` names a release group. @default the stack's only service
   */
  readonly service?: string;
  /** A release group named in progressive:release.groups, instead of `service`. @default none */
  readonly group?: string;
  /** The `pulumi` binary to run. @default the one on PATH, else ~/.pulumi/bin/pulumi */
  readonly pulumiPath?: string;
}

/** The pulumi the driver runs: `pulumiPath`, else `pulumi` on PATH, else ~/.pulumi/bin/pulumi. */
export function findPulumi(pulumiPath: string | undefined, envPath: string): string | undefined {
  if (pulumiPath) {
    if (!fs.existsSync(pulumiPath)) {
      throw new ReleaseError(
        "usage",
        `--pulumi ${pulumiPath} does not exist; give the path of a pulumi binary`,
      );
    }
    return path.resolve(pulumiPath);
  }
  for (const dir of envPath.split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, "pulumi"))) return path.join(dir, "pulumi");
  }
  const home = path.join(os.homedir(), ".pulumi", "bin", "pulumi");
  return fs.existsSync(home) ? home : undefined;
}

/** Builds the environment every command runs with, and the command itself. */
export async function workspaceOptions(target: Pick<StackTarget, "env" | "pulumiPath">) {
  const env = target.env ?? {};
  const base: Record<string, string> = {
    PULUMI_SKIP_UPDATE_CHECK: "true",
    ...env,
  };
  const envPath = env.PATH ?? process.env.PATH ?? "";
  const pulumi = findPulumi(target.pulumiPath, envPath);
  if (!pulumi) {
    throw new ReleaseError(
      "usage",
      "no pulumi CLI found on PATH or in ~/.pulumi/bin; install it (https://www.pulumi.com/docs/install/) or pass --pulumi <path>",
    );
  }
  // Its own folder first, so the language host and plugins installed beside it are found too.
  base.PATH = [path.dirname(pulumi), envPath].join(path.delimiter);
  const pulumiCommand = await PulumiCommand.get({
    root: path.dirname(path.dirname(pulumi)),
    skipVersionCheck: true,
  });
  return { envVars: base, pulumiCommand };
}

/**
 * The target with its stack named: the one given, else the project's selected stack (`pulumi stack
 * select`, as `pulumi` itself uses it), else a usage error saying how to name one.
 */
export async function withSelectedStack(
  target: Omit<StackTarget, "stackName"> & { readonly stackName?: string },
): Promise<StackTarget> {
  if (target.stackName) return target as StackTarget;
  const workDir = path.resolve(target.workDir ?? process.cwd());
  if (!fs.existsSync(path.join(workDir, "Pulumi.yaml")))
    throw new ReleaseError("usage", `${workDir} has no Pulumi.yaml; pass --cwd <project folder>`);
  const ws = await LocalWorkspace.create({ workDir, ...(await workspaceOptions(target)) });
  let selected: string | undefined;
  try {
    selected = (await ws.stack())?.name;
  } catch (err) {
    throw classifyError(err);
  }
  if (!selected)
    throw new ReleaseError(
      "usage",
      `no stack is selected in ${workDir}; pass --stack <name>, or select one with pulumi stack select <name>`,
    );
  return { ...target, stackName: selected };
}

/** The names of the project's stacks in its backend (`pulumi stack ls`). */
export async function listStacks(target: Omit<StackTarget, "stackName" | "service">): Promise<string[]> {
  const workDir = path.resolve(target.workDir ?? process.cwd());
  if (!fs.existsSync(path.join(workDir, "Pulumi.yaml")))
    throw new ReleaseError("usage", `${workDir} has no Pulumi.yaml; pass --cwd <project folder>`);
  const ws = await LocalWorkspace.create({ workDir, ...(await workspaceOptions(target)) });
  try {
    return (await ws.listStacks()).map((s) => s.name);
  } catch (err) {
    throw classifyError(err);
  }
}

/** The backend URL a project's Pulumi.yaml names (`backend: {url: ...}`), if any. */
export function projectBackend(workDir: string): string | undefined {
  try {
    const project = YAML.parse(fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8")) as {
      backend?: { url?: unknown };
    } | null;
    return typeof project?.backend?.url === "string" ? project.backend.url : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the project name from Pulumi.yaml (its `name:` line). */
export function projectName(workDir: string): string {
  const text = fs.readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8");
  const m = /^name:\s*["']?([^"'\s#]+)/m.exec(text);
  if (!m) throw new ReleaseError("config", `${workDir}/Pulumi.yaml has no name:; give the project a name`);
  return m[1] as string;
}
