// Every input the program would reject is rejected by the driver (or the component, before it
// declares anything) first: one row per bad input, each asserting the exit code or error kind, the
// whole message (field, value and fix), and that nothing was written: no journal, lock, history or
// report in a temporary state folder, no file in the project folder, no config changed, no
// resource declared.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../../automation/cli";
import { classifyError, ReleaseError } from "../../../automation/driver/errors";
import type { ReleaseTarget } from "../../../automation/driver/release";
import { planRelease } from "../../../automation/driver/release-plan";
import { parseSettings, type RawConfigValue } from "../../../automation/driver/settings";
import { Check, Step, Strategy, type StrategyInput, ValidationError } from "../../../components/core";
import { BlueGreenService, CanaryService, RollingService } from "../../../components/local";
import { recorded, settle, useMocks } from "../local/pulumi-mocks";

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

const VERSION_FIX = 'use a label such as "v1.4.2" (letters, digits, ".", "_", "-"; at most 63 characters)';
const LONG = "x".repeat(64);

// ---------------------------------------------------------------------------------------------
// 1. The command line, through main(argv, out): each row is refused by the parser (exit 2)
//    before a workspace is opened. `text` is the whole output.

interface CliRow {
  readonly name: string;
  readonly argv: readonly string[];
  readonly text: string;
}

const usage = (m: string) => `error (usage): ${m}`;

const CLI_ROWS: readonly CliRow[] = [
  {
    name: "an unknown flag",
    argv: ["release", "v2", "--stack", "dev", "--bogus"],
    text: usage("unknown flag --bogus; run progressive release --help for its options"),
  },
  {
    name: "a misspelt flag, with a guess",
    argv: ["release", "v2", "--stack", "dev", "--servce", "web"],
    text: usage(
      "unknown flag --servce; did you mean --service?; run progressive release --help for its options",
    ),
  },
  {
    name: "an unknown short flag",
    argv: ["status", "--stack", "dev", "-x"],
    text: usage("unknown flag -x; run progressive status --help for its options"),
  },
  {
    name: "a flag of another command (--full on release)",
    argv: ["release", "v2", "--stack", "dev", "--full"],
    text: usage("release does not take --full; run progressive release --help for its options"),
  },
  {
    name: "a flag of another command (--to on status)",
    argv: ["status", "--stack", "dev", "--to", "v1"],
    text: usage("status does not take --to; run progressive status --help for its options"),
  },
  {
    name: "a flag of another command (--quiet on plan)",
    argv: ["plan", "v2", "--stack", "dev", "--quiet"],
    text: usage("plan does not take --quiet; run progressive plan --help for its options"),
  },
  {
    name: "--stack without a value at the end",
    argv: ["release", "v2", "--stack"],
    text: usage("--stack needs a value, e.g. --stack dev"),
  },
  {
    name: "--stack followed by another flag",
    argv: ["status", "--stack", "--quiet"],
    text: usage("--stack needs a value, e.g. --stack dev"),
  },
  {
    name: "--state-dir without a value",
    argv: ["status", "--stack", "dev", "--state-dir"],
    text: usage("--state-dir needs a value, e.g. --state-dir ./.state"),
  },
  {
    name: "a boolean flag with a value",
    argv: ["release", "v2", "--stack", "dev", "--approve=yes"],
    text: usage("--approve takes no value; write --approve alone"),
  },
  {
    name: "an empty --to=",
    argv: ["rollback", "--stack", "dev", "--to="],
    text: usage("--to= is empty; give it a value, e.g. --to v1"),
  },
  {
    name: "an empty --stack=",
    argv: ["release", "v2", "--stack="],
    text: usage("--stack= is empty; give it a value, e.g. --stack dev"),
  },
  {
    name: "a string flag given twice",
    argv: ["rollback", "--stack", "dev", "--to", "v1", "--to", "v2"],
    text: usage("--to is given twice (v1, v2); give it once"),
  },
  {
    name: "a boolean flag given twice",
    argv: ["promote", "--stack", "dev", "--full", "--full"],
    text: usage("--full is given twice; give it once"),
  },
  {
    name: "an extra positional argument after the version",
    argv: ["release", "v2", "v3", "--stack", "dev"],
    text: usage(
      'release takes one version, but got "v3" as well; run progressive release --help for its options',
    ),
  },
  {
    name: "a positional argument to a command that takes none",
    argv: ["status", "dev"],
    text: usage('status takes no arguments, but got "dev"; flags start with --, e.g. --stack dev'),
  },
  {
    name: "a flag after -- (read as an argument)",
    argv: ["release", "v2", "--stack", "dev", "--", "--approve"],
    text: usage(
      'release takes one version, but got "--approve" as well; run progressive release --help for its options',
    ),
  },
  {
    name: "no --stack outside a Pulumi project (the selected stack is the project's)",
    argv: ["release", "v2", "--cwd", "/nonexistent/progressive-no-project"],
    text: usage("/nonexistent/progressive-no-project has no Pulumi.yaml; pass --cwd <project folder>"),
  },
  {
    name: "a state folder that cannot be created",
    argv: ["status", "--stack", "dev", "--state-dir", "/proc/progressive-nope"],
    text: usage(
      "--state-dir (/proc/progressive-nope): cannot be created (ENOENT); give a folder this user can write, e.g. --state-dir ~/.local/state/pulumi-progressive-delivery",
    ),
  },
  {
    name: "a missing version",
    argv: ["release", "--stack", "dev"],
    text: usage("release needs a version, e.g. progressive release v2 --stack dev"),
  },
  {
    name: "an empty version",
    argv: ["plan", "", "--stack", "dev"],
    text: usage("plan needs a version, e.g. progressive plan v2 --stack dev"),
  },
  {
    name: "a version with a slash",
    argv: ["release", "v2/beta", "--stack", "dev"],
    text: usage(`version ("v2/beta"): is not a version label; ${VERSION_FIX}`),
  },
  {
    name: "a version with a space",
    argv: ["release", "v 2", "--stack", "dev"],
    text: usage(`version ("v 2"): is not a version label; ${VERSION_FIX}`),
  },
  {
    name: "a version of 64 characters",
    argv: ["plan", LONG, "--stack", "dev"],
    text: usage(`version ("${LONG}"): is not a version label; ${VERSION_FIX}`),
  },
  {
    name: "a stack name pulumi would refuse",
    argv: ["status", "--stack", "my stack"],
    text: usage(
      '--stack ("my stack"): is not a stack name; use letters, digits, "-", "_" and "." (or org/project/stack), e.g. --stack dev',
    ),
  },
  {
    name: "promote-env without --from",
    argv: ["promote-env", "--stack", "prod"],
    text: usage("promote-env needs --from <stack> (the verified environment) and --stack <next>"),
  },
  {
    name: "promote-env from the stack it releases to",
    argv: ["promote-env", "--from", "prod", "--stack", "prod"],
    text: usage(
      '--from ("prod"): is the stack being released to (--stack prod); name the environment that verified the version, e.g. --from staging --stack prod',
    ),
  },
  {
    name: "an unknown command, with a guess",
    argv: ["relase", "v2", "--stack", "dev"],
    text: usage('unknown command "relase"; did you mean release? run progressive help'),
  },
  {
    name: "a flag before the command",
    argv: ["--stack", "dev", "release", "v2"],
    text: usage("the command comes first, e.g. progressive release v2 --stack dev; got --stack"),
  },
];

describe("bad inputs: the command line (exit 2, nothing written)", () => {
  let root: string;
  let project: string;
  let state: string;
  const saved = { cwd: process.cwd(), stateDir: process.env.PROGRESSIVE_STATE_DIR };
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-bad-cli-"));
    project = path.join(root, "project");
    state = path.join(root, "state");
    fs.mkdirSync(project);
    fs.mkdirSync(state);
    // Anything a command wrote would land here: the project folder (Pulumi.<stack>.yaml) and the
    // default state folder (journals, locks, history, reports).
    process.chdir(project);
    process.env.PROGRESSIVE_STATE_DIR = state;
  });
  after(() => {
    process.chdir(saved.cwd);
    if (saved.stateDir === undefined) delete process.env.PROGRESSIVE_STATE_DIR;
    else process.env.PROGRESSIVE_STATE_DIR = saved.stateDir;
    fs.rmSync(root, { recursive: true, force: true });
  });

  for (const row of CLI_ROWS) {
    it(`${row.name}: progressive ${row.argv.join(" ")}`, async () => {
      const lines: string[] = [];
      const code = await main(row.argv, (l) => lines.push(l));
      assert.equal(lines.join("\n"), row.text);
      assert.equal(code, 2);
      assert.deepEqual(filesUnder(state), [], "nothing in the state folder");
      assert.deepEqual(filesUnder(project), [], "nothing in the project folder");
    });
  }

  it("answers --json with the same typed error", async () => {
    const lines: string[] = [];
    const code = await main(["release", "v2/beta", "--stack", "dev", "--json"], (l) => lines.push(l));
    assert.equal(code, 2);
    assert.deepEqual(JSON.parse(lines.join("\n")), {
      error: { kind: "usage", message: `version ("v2/beta"): is not a version label; ${VERSION_FIX}` },
    });
    assert.deepEqual(filesUnder(state), []);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Version labels in planRelease (the library API): refused before the stack is touched. The
//    stub target records every property read; none may happen.

const PLAN_ROWS: readonly { readonly name: string; readonly version: string }[] = [
  { name: "a slash", version: "v2/beta" },
  { name: "a space", version: "v 2" },
  { name: "64 characters", version: LONG },
  { name: "a leading dot", version: ".v2" },
];

describe("bad inputs: version labels in planRelease (usage, exit 2, stack untouched)", () => {
  for (const row of PLAN_ROWS) {
    it(`a version with ${row.name}`, async () => {
      const touched: string[] = [];
      const spy = (what: string) =>
        new Proxy(
          {},
          {
            get(_t, key) {
              touched.push(`${what}.${String(key)}`);
              return undefined;
            },
          },
        );
      const target = { stack: spy("stack"), service: spy("service"), settings: spy("settings") };
      await assert.rejects(planRelease(target as unknown as ReleaseTarget, row.version), (e: unknown) => {
        assert.ok(e instanceof ReleaseError);
        assert.equal(e.kind, "usage");
        assert.equal(e.exitCode, 2);
        assert.equal(
          e.message,
          `version (${JSON.stringify(row.version)}): is not a version label; ${VERSION_FIX}`,
        );
        return true;
      });
      assert.deepEqual(touched, [], "the stack, service and settings were not read");
    });
  }
});

// ---------------------------------------------------------------------------------------------
// 3. Release settings (the `progressive:` namespace), through parseSettings: one ReleaseError
//    ("config", exit 2) whose list holds `problem`; the config given is left as it was.

interface SettingsRow {
  readonly name: string;
  readonly config: Readonly<Record<string, RawConfigValue>>;
  /** The one problem line, without the leading "  - ". */
  readonly problem: string;
  /** Must not appear in the message (a secret). */
  readonly hidden?: string;
}

const object = (value: unknown, secret = false): RawConfigValue => ({
  value: JSON.stringify(value),
  secret,
  objectValue: value,
});
const text = (value: string, secret = false): RawConfigValue => ({ value, secret });
const SEE_RELEASE = "see the progressive:release row of the README's settings table";
const release = (value: unknown) => ({ "progressive:release": object(value) });
const metrics = (value: unknown) => ({ "progressive:metrics": object(value) });
const KNOWN_NAMESPACE = [
  "environment",
  "release",
  "metrics",
  "kubernetes",
  "stateStore",
  "slackWebhookUrl",
  "webhookUrl",
  "traffic",
]
  .map((k) => `progressive:${k}`)
  .join(", ");

const SETTINGS_ROWS: readonly SettingsRow[] = [
  {
    name: "an unknown progressive: key",
    config: { "progressive:relase": object({ drift: "off" }) },
    problem: `progressive:relase ({"drift":"off"}): is not a release setting; use one of ${KNOWN_NAMESPACE}`,
  },
  {
    name: "an unknown key set with --path",
    config: { "progressive:gates.approval": text("true") },
    problem: `progressive:gates.approval ("true"): is not a release setting; use one of ${KNOWN_NAMESPACE}`,
  },
  {
    name: "an unknown key in progressive:release",
    config: release({ dirft: "off" }),
    problem:
      'progressive:release.dirft ("off"): is not a known setting; remove it or fix its spelling; known keys: next, drift, policyPack, failFast, gates, hooks, load, groups',
  },
  {
    name: "an unknown key in release.gates",
    config: release({ gates: { aproval: true } }),
    problem:
      "progressive:release.gates.aproval (true): is not a known setting; remove it or fix its spelling; known keys: approval, window, checks, commands",
  },
  {
    name: "an unknown key in a hook",
    config: release({
      hooks: { preTraffic: [{ name: "migrate", command: ["npm", "run", "migrate"], timeout: 5 }] },
    }),
    problem:
      "progressive:release.hooks.preTraffic.0.timeout (5): is not a known setting; remove it or fix its spelling; known keys: name, command, timeoutSeconds",
  },
  {
    name: "an unknown hook point",
    config: release({ hooks: { preDeploy: [] } }),
    problem:
      "progressive:release.hooks.preDeploy ([]): is not a known setting; remove it or fix its spelling; known keys: preTraffic, postPromotion",
  },
  {
    name: "a bad drift mode",
    config: release({ drift: "sometimes" }),
    problem: `progressive:release.drift ("sometimes"): must be one of "preview", "refresh", "off"; ${SEE_RELEASE}`,
  },
  {
    name: "a boolean that is neither true nor false",
    config: release({ failFast: "yes" }),
    problem: `progressive:release.failFast ("yes"): must be true or false; ${SEE_RELEASE}`,
  },
  {
    name: "a window start that is not a time",
    config: release({ gates: { window: { days: ["mon"], start: "9", end: "17:00" } } }),
    problem: `progressive:release.gates.window.start ("9"): must be a time such as "09:00"; ${SEE_RELEASE}`,
  },
  {
    name: "a window end past 23:59",
    config: release({ gates: { window: { days: ["mon"], start: "09:00", end: "24:00" } } }),
    problem: `progressive:release.gates.window.end ("24:00"): must be a time such as "09:00"; ${SEE_RELEASE}`,
  },
  {
    name: "a window day that is not a day",
    config: release({ gates: { window: { days: ["monday"], start: "09:00", end: "17:00" } } }),
    problem: `progressive:release.gates.window.days.0 ("monday"): must be one of "mon", "tue", "wed", "thu", "fri", "sat", "sun"; ${SEE_RELEASE}`,
  },
  {
    name: "a window without days",
    config: release({ gates: { window: { days: [], start: "09:00", end: "17:00" } } }),
    problem: `progressive:release.gates.window.days ([]): must list at least 1 item(s); ${SEE_RELEASE}`,
  },
  {
    name: "a window time zone that does not exist",
    config: release({
      gates: { window: { days: ["mon"], start: "09:00", end: "17:00", timezone: "Mars/Olympus" } },
    }),
    problem: `progressive:release.gates.window.timezone ("Mars/Olympus"): is not an IANA time zone such as Europe/Berlin or UTC; ${SEE_RELEASE}`,
  },
  {
    name: "a window key misspelt",
    config: release({ gates: { window: { days: ["mon"], start: "09:00", end: "17:00", tz: "UTC" } } }),
    problem:
      'progressive:release.gates.window.tz ("UTC"): is not a known setting; remove it or fix its spelling; known keys: days, start, end, timezone',
  },
  {
    name: "a hook without a command",
    config: release({ hooks: { preTraffic: [{ name: "migrate" }] } }),
    problem: `progressive:release.hooks.preTraffic.0.command (not set): is required; ${SEE_RELEASE}`,
  },
  {
    name: "a hook whose command is one string",
    config: release({ hooks: { preTraffic: [{ name: "migrate", command: "npm run migrate" }] } }),
    problem: `progressive:release.hooks.preTraffic.0.command ("npm run migrate"): must be a list; ${SEE_RELEASE}`,
  },
  {
    name: "a hook with an empty command",
    config: release({ hooks: { postPromotion: [{ name: "smoke", command: [] }] } }),
    problem: `progressive:release.hooks.postPromotion.0.command ([]): must name the program to run, e.g. [npm, run, migrate]; ${SEE_RELEASE}`,
  },
  {
    name: "a negative hook timeout",
    config: release({
      hooks: { postPromotion: [{ name: "smoke", command: ["npm", "test"], timeoutSeconds: -5 }] },
    }),
    problem: `progressive:release.hooks.postPromotion.0.timeoutSeconds (-5): must be a number of seconds above 0, such as 300; ${SEE_RELEASE}`,
  },
  {
    name: "a negative hook timeout stored as a string",
    config: release({ hooks: { preTraffic: [{ name: "m", command: ["npm"], timeoutSeconds: "-5" }] } }),
    problem: `progressive:release.hooks.preTraffic.0.timeoutSeconds ("-5"): must be a number of seconds above 0, such as 300; ${SEE_RELEASE}`,
  },
  {
    name: "an empty next environment",
    config: release({ next: "" }),
    problem: `progressive:release.next (""): must not be empty; ${SEE_RELEASE}`,
  },
  {
    name: "an environment name that is not lower-case",
    config: { "progressive:environment": text("Prod") },
    problem:
      'progressive:environment ("Prod"): must be a lower-case name such as dev, staging or prod; see the progressive:environment row of the README\'s settings table',
  },
  {
    name: "an unknown key in progressive:kubernetes",
    config: { "progressive:kubernetes": object({ kubeConfig: "/etc/kube" }) },
    problem:
      'progressive:kubernetes.kubeConfig ("/etc/kube"): is not a known setting; remove it or fix its spelling; known keys: kubeconfig, context',
  },
  {
    name: "a plain-text Slack webhook URL",
    config: { "progressive:slackWebhookUrl": text("https://hooks.slack.com/services/T0/B0/s3cr3t") },
    problem:
      "progressive:slackWebhookUrl ((plain text, not shown)): is plain text, but a webhook URL is a secret; set it with pulumi config set --secret progressive:slackWebhookUrl <url>",
    hidden: "s3cr3t",
  },
  {
    name: "a plain-text webhook URL",
    config: { "progressive:webhookUrl": text("https://example.com/hook?token=s3cr3t") },
    problem:
      "progressive:webhookUrl ((plain text, not shown)): is plain text, but a webhook URL is a secret; set it with pulumi config set --secret progressive:webhookUrl <url>",
    hidden: "s3cr3t",
  },
  {
    name: "an unknown metrics provider",
    config: metrics({ prometeus: { url: "http://prometheus:9090" } }),
    problem:
      'invalid metrics settings: progressive:metrics.prometeus ({"url":"http://prometheus:9090"}): is not a known setting; remove it or fix its spelling; known keys: prometheus, cloudwatch, azureMonitor, cloudMonitoring',
  },
  {
    name: "a metrics provider under its kind instead of its key",
    config: metrics({ "azure-monitor": {} }),
    problem:
      "invalid metrics settings: progressive:metrics.azure-monitor ({}): is not a known setting; use azureMonitor for the azure-monitor provider; known keys: prometheus, cloudwatch, azureMonitor, cloudMonitoring",
  },
  {
    name: "an unknown key inside a metrics provider",
    config: metrics({ cloudwatch: { region: "eu-west-1", profile: "prod" } }),
    problem:
      'invalid metrics settings: progressive:metrics.cloudwatch.profile ("prod"): is not a known setting; remove it or fix its spelling; known keys: region, endpoint, timeoutMs',
  },
  {
    name: "a Prometheus URL that is not http",
    config: metrics({ prometheus: { url: "ftp://prometheus" } }),
    problem:
      'invalid metrics settings: progressive:metrics.prometheus.url ("ftp://prometheus"): must be an http or https URL; set it with pulumi config set --path progressive:metrics.prometheus.url http://prometheus.monitoring:9090',
  },
  {
    name: "a Prometheus URL with credentials (never echoed)",
    config: metrics({ prometheus: { url: "http://admin:hunter2@prometheus:9090" } }),
    problem:
      'invalid metrics settings: progressive:metrics.prometheus.url ("http://***@prometheus:9090/"): must not hold credentials (user:password@), because stack config is plain text; set it with pulumi config set --path progressive:metrics.prometheus.url http://prometheus.monitoring:9090',
    hidden: "hunter2",
  },
  {
    name: "a negative metrics timeout",
    config: metrics({ prometheus: { url: "http://prometheus:9090", timeoutMs: -1 } }),
    problem:
      "invalid metrics settings: progressive:metrics.prometheus.timeoutMs (-1): must be a whole number of milliseconds from 1 to 600000; set it with pulumi config set --path progressive:metrics.prometheus.timeoutMs 10000",
  },
  {
    name: "a CloudWatch region that is not a region",
    config: metrics({ cloudwatch: { region: "Europe" } }),
    problem:
      'invalid metrics settings: progressive:metrics.cloudwatch.region ("Europe"): is not an AWS region name; set it with pulumi config set --path progressive:metrics.cloudwatch.region eu-west-1',
  },
  {
    name: "progressive:traffic that is not an object",
    config: { "progressive:traffic": text("v2") },
    problem:
      'progressive:traffic ("v2"): is not an object of traffic entries by component name; set it to an object such as {"web": {"stableVersion": "v1", "candidateWeight": 0}}, or remove it with pulumi config rm progressive:traffic',
  },
  {
    name: "a traffic entry that is not an object",
    config: { "progressive:traffic": object({ web: "v2" }) },
    problem:
      'progressive:traffic.web ("v2"): is not a traffic entry; set it to an object such as {"stableVersion": "v1", "candidateWeight": 0}, or remove it with pulumi config rm --path \'progressive:traffic.web\'',
  },
  {
    name: "a traffic entry whose version is not a label",
    config: { "progressive:traffic": object({ web: { stableVersion: "v 1", candidateWeight: 0 } }) },
    problem: `progressive:traffic.web.stableVersion ("v 1"): is not a version label; ${VERSION_FIX}`,
  },
  {
    name: "a traffic entry with a weight but no candidate",
    config: { "progressive:traffic": object({ web: { stableVersion: "v1", candidateWeight: "20" } }) },
    problem:
      "progressive:traffic.web.candidateWeight (20): sends traffic to a candidate, but candidateVersion is not set; set candidateVersion to the version to try, or set candidateWeight to 0",
  },
  {
    name: "a traffic entry with a misspelt key",
    config: {
      "progressive:traffic": object({ web: { stableVersion: "v1", candidateWeight: 0, candidateWieght: 5 } }),
    },
    problem:
      "progressive:traffic.web.candidateWieght (5): is not a known field; remove it or fix its spelling; known fields: stableVersion, candidateVersion, candidateWeight, activeColor, idleReplicas",
  },
];

describe("bad inputs: release settings (config, exit 2, config untouched)", () => {
  for (const row of SETTINGS_ROWS) {
    it(row.name, () => {
      const config = structuredClone(row.config);
      assert.throws(
        () => parseSettings(config, "dev"),
        (e: unknown) => {
          assert.ok(e instanceof ReleaseError);
          assert.equal(e.kind, "config");
          assert.equal(e.exitCode, 2);
          assert.equal(
            e.message,
            `invalid release settings for stack "dev": 1 problem(s)\n  - ${row.problem}`,
          );
          if (row.hidden) assert.ok(!e.message.includes(row.hidden), "the secret is not in the message");
          return true;
        },
      );
      assert.deepEqual(config, row.config, "the config given is not changed");
    });
  }

  it("accepts the same settings when they are right (strings as pulumi config set stores them)", () => {
    const settings = parseSettings(
      {
        ...release({
          drift: "off",
          failFast: "true",
          hooks: {
            preTraffic: [{ name: "migrate", command: ["npm", "run", "migrate"], timeoutSeconds: "30" }],
          },
        }),
        "progressive:traffic": object({
          web: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: "20" },
          api: { stableVersion: "v3", candidateWeight: 0, activeColor: "green", idleReplicas: 0 },
        }),
      },
      "dev",
    );
    assert.equal(settings.release.failFast, true);
    assert.equal(settings.release.hooks.preTraffic[0]?.timeoutSeconds, 30);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Component args, through the local components under mocks (and the strategy factories): one
//    ValidationError (the driver classifies it as "config", exit 2) naming field, value and fix;
//    nothing declared and nothing in the state folder.

interface ComponentRow {
  readonly name: string;
  /** Builds the component (or strategy) from the temporary state folder. */
  readonly build: (stateDir: string) => unknown;
  readonly message: string;
}

const APP = ["node", "releases/{version}/server.js"];
const args = (stateDir: string) => ({ command: APP, stateDir, replicas: 2 });
const canary = (extra: object) => (stateDir: string) =>
  new CanaryService("web", { ...args(stateDir), version: "v1", ...extra });
const CANARY = 'invalid CanaryService "web"';
// A strategy is validated by the component that receives it, so its problems name the component.
const inCanary = (strategy: () => StrategyInput) => (d: string) =>
  new CanaryService("web", { ...args(d), version: "v1", strategy: strategy() as never });
const inBlueGreen = (strategy: () => StrategyInput) => (d: string) =>
  new BlueGreenService("web", { ...args(d), version: "v1", strategy: strategy() as never });
const inRolling = (strategy: () => StrategyInput) => (d: string) =>
  new RollingService("web", { ...args(d), version: "v1", strategy: strategy() as never });
const KNOWN_HTTP =
  "kind, name, path, port, expectedStatus, timeout, interval, initialDelay, successThreshold, failureThreshold";

const COMPONENT_ROWS: readonly ComponentRow[] = [
  {
    name: "a weight above 100",
    build: canary({ traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 150 } }),
    message: `${CANARY}: traffic.candidateWeight (150): must be an integer from 0 to 100; use a weight such as 100`,
  },
  {
    name: "a fractional weight",
    build: canary({ traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 12.5 } }),
    message: `${CANARY}: traffic.candidateWeight (12.5): must be an integer from 0 to 100; use a weight such as 13`,
  },
  {
    name: "a candidate weight without a candidate",
    build: canary({ traffic: { stableVersion: "v1", candidateWeight: 20 } }),
    message: `${CANARY}: traffic.candidateWeight (20): sends traffic to a candidate, but candidateVersion is not set; set candidateVersion to the version to try, or set candidateWeight to 0`,
  },
  {
    name: "a candidate weight on a rolling service",
    build: (d) =>
      new RollingService("web", {
        ...args(d),
        traffic: { stableVersion: "v1", candidateVersion: "v2", candidateWeight: 10 },
      }),
    message:
      'invalid RollingService "web": traffic.candidateWeight (10): must be 0 for a rolling strategy; set stableVersion to the new version and candidateWeight to 0',
  },
  {
    name: "replicas 0",
    build: canary({ replicas: 0 }),
    message: `${CANARY}: replicas (0): must be a whole number of at least 1; use 2 or more`,
  },
  {
    name: "replicas 1000",
    build: canary({ replicas: 1000 }),
    message: `${CANARY}: replicas (1000): must be at most 64 on the local platform; use fewer instances`,
  },
  {
    name: "a preview port equal to the port",
    build: (d) => new BlueGreenService("web", { ...args(d), version: "v1", port: 9000, previewPort: 9000 }),
    message:
      'invalid BlueGreenService "web": previewPort (9000): is the same as port; give the preview its own port',
  },
  {
    name: "an active colour that is not blue or green",
    build: (d) =>
      new BlueGreenService("web", {
        ...args(d),
        traffic: { stableVersion: "v1", candidateWeight: 0, activeColor: "red" as "blue" },
      }),
    message:
      'invalid BlueGreenService "web": traffic.activeColor ("red"): must be "blue" or "green"; use "blue" or "green"',
  },
  {
    name: "a version with a slash",
    build: canary({ version: "v2/beta" }),
    message: `${CANARY}: version ("v2/beta"): is not a version label; ${VERSION_FIX}`,
  },
  {
    name: "a version with a space",
    build: canary({ version: "v 2" }),
    message: `${CANARY}: version ("v 2"): is not a version label; ${VERSION_FIX}`,
  },
  {
    name: "a version of 64 characters",
    build: canary({ version: LONG }),
    message: `${CANARY}: version ("${LONG}"): is not a version label; ${VERSION_FIX}`,
  },
  {
    name: "a candidate version with a slash",
    build: canary({ traffic: { stableVersion: "v1", candidateVersion: "v2/beta", candidateWeight: 0 } }),
    message: `${CANARY}: traffic.candidateVersion ("v2/beta"): is not a version label; ${VERSION_FIX}`,
  },
  {
    name: "a health path without a leading /",
    build: canary({ health: { readiness: { path: "healthz" } } }),
    message: `${CANARY}: health.readiness.path ("healthz"): must start with /; use a path such as "/healthz"`,
  },
  {
    name: "a health path with a space",
    build: canary({ health: { readiness: { path: "/health check" } } }),
    message: `${CANARY}: health.readiness.path ("/health check"): must not contain spaces or control characters; percent-encode them (a space is %20), or use a path such as "/healthz"`,
  },
  {
    name: "a misspelt health check field",
    build: canary({ health: { readiness: { paht: "/ready" } } }),
    message: `${CANARY}: health.readiness.paht ("/ready"): is not a known field; remove it or fix its spelling; known fields: ${KNOWN_HTTP}`,
  },
  {
    name: "a misspelt health kind",
    build: canary({ health: { readyness: { path: "/ready" } } }),
    message: `${CANARY}: health.readyness ({"path":"/ready"}): is not a known field; remove it or fix its spelling; known fields: readiness, liveness`,
  },
  {
    name: "a health timeout longer than its interval",
    build: canary({ health: { readiness: { path: "/ready", timeout: "20s", interval: "5s" } } }),
    message: `${CANARY}: health.readiness.timeout ("20s"): must not be longer than the interval (5s); shorten the timeout or lengthen the interval`,
  },
  {
    name: "a misspelt strategy field (plain object, as from stack config)",
    build: canary({ strategy: { kind: "canary", stpes: [{ setWeight: 100 }] } }),
    message: `${CANARY}: strategy.stpes ([{"setWeight":100}]): is not a known field; remove it or fix its spelling; known fields: kind, steps, checks, headerRoute, progressDeadline`,
  },
  {
    name: "a field of another strategy kind",
    build: inCanary(() => Strategy.canary({ maxSurge: "25%" } as object)),
    message: `${CANARY}: strategy.maxSurge ("25%"): is not a known field; remove it or fix its spelling; known fields: kind, steps, checks, headerRoute, progressDeadline`,
  },
  {
    name: "a misspelt blue-green field",
    build: inBlueGreen(() => Strategy.blueGreen({ autopromote: true } as object)),
    message:
      'invalid BlueGreenService "web": strategy.autopromote (true): is not a known field; remove it or fix its spelling; known fields: kind, previewService, autoPromote, scaleDownDelay, prePromotionChecks, postPromotionChecks, progressDeadline',
  },
  {
    name: "a misspelt rolling field",
    build: inRolling(() => Strategy.rolling({ maxsurge: 1 } as object)),
    message:
      'invalid RollingService "web": strategy.maxsurge (1): is not a known field; remove it or fix its spelling; known fields: kind, maxSurge, maxUnavailable, readinessDelay, progressDeadline',
  },
  {
    name: "steps on a recreate strategy",
    build: inRolling(() => Strategy.recreate({ steps: [] } as object)),
    message:
      'invalid RollingService "web": strategy.steps ([]): is not a known field; remove it or fix its spelling; known fields: kind, progressDeadline',
  },
  {
    name: "a misspelt header route field",
    build: inCanary(() => Strategy.canary({ headerRoute: { nmae: "X-Beta" } as object })),
    message: `${CANARY}: strategy.headerRoute.nmae ("X-Beta"): is not a known field; remove it or fix its spelling; known fields: name, value`,
  },
  {
    name: "a misspelt pause field",
    build: inCanary(() =>
      Strategy.canary({
        steps: [Step.setWeight(50), { pause: { durtion: "5m" } } as never, Step.setWeight(100)],
      }),
    ),
    message: `${CANARY}: strategy.steps[1].pause.durtion ("5m"): is not a known field; remove it or fix its spelling; known fields: duration`,
  },
  {
    name: "a misspelt analysis field",
    build: inCanary(() =>
      Strategy.canary({
        steps: [Step.setWeight(50), { analysis: { check: ["x"] } } as never, Step.setWeight(100)],
      }),
    ),
    message: `${CANARY}: strategy.steps[1].analysis.check (["x"]): is not a known field; remove it or fix its spelling; known fields: checks`,
  },
  {
    name: "a misspelt check field",
    build: inCanary(() =>
      Strategy.canary({
        checks: [
          Check.metric({
            name: "errors",
            provider: "prometheus",
            query: "q",
            successCondition: "< 0.05",
            intervl: "1m",
          } as never),
        ],
      }),
    ),
    message: `${CANARY}: strategy.checks[0].intervl ("1m"): is not a known field; remove it or fix its spelling; known fields: kind, name, provider, query, successCondition, failureCondition, floor, interval, count, failureLimit, inconclusiveLimit, consecutiveErrorLimit, sequential, slowerThan`,
  },
  {
    name: "weights that go down",
    build: inCanary(() =>
      Strategy.canary({
        steps: [Step.setWeight(50), Step.setWeight(20), Step.analysis(), Step.setWeight(100)],
      }),
    ),
    message: `${CANARY}: strategy.steps[1].setWeight (20): must be greater than the previous weight (50 at strategy.steps[0].setWeight); list weights in increasing order, such as 5, 10, 25, 50, 100`,
  },
  {
    name: "a negative progress deadline",
    build: inRolling(() => Strategy.rolling({ progressDeadline: "-5s" })),
    message:
      'invalid RollingService "web": strategy.progressDeadline ("-5s"): must not be negative; use a number of seconds or a string such as "30s", "5m" or "1h30m", more than 0',
  },
  {
    name: "a misspelt component argument (through a spread, so TypeScript let it through)",
    build: canary({ replica: 3 }),
    message: `${CANARY}: replica (3): is not a known field; remove it or fix its spelling; known fields: command, cwd, env, secretEnv, inheritEnv, replicas, port, health, stateDir, serviceName, stopGrace, traffic, version, strategy`,
  },
  {
    name: "a misspelt traffic field",
    build: canary({ traffic: { stableVersion: "v1", candidateWeight: 0, candidateWieght: 5 } }),
    message: `${CANARY}: traffic.candidateWieght (5): is not a known field; remove it or fix its spelling; known fields: stableVersion, candidateVersion, candidateWeight, activeColor, idleReplicas`,
  },
];

describe("bad inputs: component args (config, exit 2, nothing declared)", () => {
  let stateDir: string;
  beforeEach(async () => {
    await useMocks();
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "progressive-bad-component-"));
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  for (const row of COMPONENT_ROWS) {
    it(row.name, async () => {
      assert.throws(
        () => row.build(stateDir),
        (e: unknown) => {
          assert.ok(e instanceof ValidationError);
          assert.equal(e.message, row.message);
          const classified = classifyError(e);
          assert.equal(classified.kind, "config");
          assert.equal(classified.exitCode, 2);
          return true;
        },
      );
      await settle();
      assert.deepEqual(
        recorded.map((r) => `${r.type} ${r.name}`),
        [],
        "no resource declared",
      );
      assert.deepEqual(filesUnder(stateDir), [], "nothing in the state folder");
    });
  }

  it("accepts a plain-object strategy with only known fields", () => {
    const strategy: StrategyInput = {
      kind: "canary",
      steps: [{ setWeight: 50 }, { pause: { duration: "1m" } }, { analysis: {} }, { setWeight: 100 }],
      headerRoute: { name: "X-Beta", value: "1" },
    };
    assert.doesNotThrow(() => new CanaryService("web", { ...args(stateDir), version: "v1", strategy }));
  });
});

// The table is the point of the file; keep it at least as long as the issue asks.
describe("bad inputs: the table", () => {
  it("has at least 40 rows", () => {
    const rows = CLI_ROWS.length + PLAN_ROWS.length + SETTINGS_ROWS.length + COMPONENT_ROWS.length;
    assert.ok(rows >= 40, `${rows} rows`);
  });
});
