// The CLI's argument parser: every command's flags, per-command help and each usage error, with
// the messages users see. `main` is run for the help and the exit codes.
import * as assert from "node:assert/strict";
import { main } from "../../../automation/cli";
import { COMMAND_NAMES, helpText, type Invocation, parseCommandLine } from "../../../automation/cli/args";
import { ReleaseError } from "../../../automation/driver/errors";

const base = { json: false, quiet: false };

/** Asserts a usage error whose message matches `message`. */
function rejects(argv: string[], message: RegExp): void {
  assert.throws(
    () => parseCommandLine(argv),
    (err: unknown) => {
      assert.ok(err instanceof ReleaseError, `not a ReleaseError: ${String(err)}`);
      assert.equal(err.kind, "usage");
      assert.match(err.message, message);
      return true;
    },
  );
}

async function run(argv: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await main(argv, (l) => lines.push(l));
  return { code, text: lines.join("\n") };
}

describe("cli args: each command's flags", () => {
  const cases: [string[], Invocation][] = [
    [
      ["release", "v2", "--stack", "dev", "--approve", "--json"],
      { command: "release", version: "v2", approve: true, target: { stackName: "dev" }, ...base, json: true },
    ],
    [
      ["plan", "v2", "--stack=dev", "--cwd", "./infra", "--json"],
      {
        command: "plan",
        version: "v2",
        target: { stackName: "dev", workDir: "./infra" },
        ...base,
        json: true,
      },
    ],
    [
      ["status", "--stack", "dev", "--state-dir", "/tmp/s"],
      { command: "status", target: { stackName: "dev" }, stateDir: "/tmp/s", ...base },
    ],
    [
      ["resume", "--stack", "dev", "--quiet"],
      { command: "resume", target: { stackName: "dev" }, ...base, quiet: true },
    ],
    [["abort", "--stack", "dev"], { command: "abort", target: { stackName: "dev" }, ...base }],
    [
      ["promote", "--stack", "dev", "--full"],
      { command: "promote", full: true, target: { stackName: "dev" }, ...base },
    ],
    [
      ["promote", "--stack", "dev"],
      { command: "promote", full: false, target: { stackName: "dev" }, ...base },
    ],
    [
      ["rollback", "--stack", "prod", "--to", "v1"],
      { command: "rollback", to: "v1", target: { stackName: "prod" }, ...base },
    ],
    [["rollback", "--stack", "prod"], { command: "rollback", target: { stackName: "prod" }, ...base }],
    [["history"], { command: "history", target: {}, ...base }],
    [
      ["history", "--stack", "prod", "--cwd", "/p", "--service", "web", "--state-dir", "/s", "--json"],
      {
        command: "history",
        target: { stackName: "prod", workDir: "/p", service: "web" },
        stateDir: "/s",
        ...base,
        json: true,
      },
    ],
    [
      ["promote-env", "--from", "staging", "--stack", "prod", "--service", "web", "--approve"],
      {
        command: "promote-env",
        from: { stackName: "staging", service: "web" },
        target: { stackName: "prod", service: "web" },
        approve: true,
        ...base,
      },
    ],
  ];
  for (const [argv, expected] of cases) {
    it(argv.join(" "), () => assert.deepEqual(parseCommandLine(argv), expected));
  }

  it("passes --service and --pulumi into the target of every stack command", () => {
    const extra = ["--stack", "dev", "--service", "checkout", "--pulumi", "/opt/pulumi/bin/pulumi"];
    for (const argv of [
      ["release", "v2"],
      ["plan", "v2"],
      ["status"],
      ["resume"],
      ["promote"],
      ["abort"],
      ["rollback"],
      ["promote-env", "--from", "staging"],
    ]) {
      const parsed = parseCommandLine([...argv, ...extra]);
      assert.ok("target" in parsed, argv.join(" "));
      assert.deepEqual(parsed.target, {
        stackName: "dev",
        service: "checkout",
        pulumiPath: "/opt/pulumi/bin/pulumi",
      });
    }
  });

  it("takes a value starting with a dash when it is written inline", () => {
    const parsed = parseCommandLine(["rollback", "--stack", "dev", "--to=-rc1"]);
    assert.equal(parsed.command === "rollback" && parsed.to, "-rc1");
  });
});

describe("cli args: help", () => {
  it("prints the general help for no command, help and --help, and exits 0", async () => {
    for (const argv of [[], ["help"], ["--help"], ["-h"]]) {
      assert.deepEqual(parseCommandLine(argv), { command: "help" });
      const { code, text } = await run(argv);
      assert.equal(code, 0);
      assert.equal(text, helpText());
    }
    const text = helpText();
    for (const name of COMMAND_NAMES) assert.match(text, new RegExp(`^ {2}${name}\\b`, "m"));
    assert.match(text, /services in the stack's state/);
    assert.match(text, /`progressive:` namespace/);
    assert.match(text, /--service <name> /);
    assert.match(text, /--pulumi <path> /);
  });

  it("prints one command's usage and options, one line each, for <command> --help and exits 0", async () => {
    for (const name of COMMAND_NAMES.filter((n) => n !== "help")) {
      assert.deepEqual(parseCommandLine([name, "--help"]), { command: "help", topic: name });
      assert.deepEqual(parseCommandLine(["help", name]), { command: "help", topic: name });
      const { code, text } = await run([name, "--help"]);
      assert.equal(code, 0, name);
      assert.equal(text, helpText(name));
      assert.match(text, new RegExp(`^usage: progressive ${name}\\b`));
      const options = text.split("\n\n").find((p) => p.startsWith("options:"));
      assert.ok(options, `${name} help lists options`);
      for (const line of options.split("\n").slice(1))
        assert.match(line, /^ {2}(-h, )?--[a-z-]+( <[a-z]+>)? +\S/);
    }
  });

  it("shows each command only the flags it takes", () => {
    assert.match(helpText("rollback"), /--to <version> /);
    assert.doesNotMatch(helpText("release"), /--to /);
    assert.match(helpText("promote"), /--full /);
    assert.match(helpText("promote-env"), /--from <stack> /);
    assert.match(helpText("release"), /--approve /);
    assert.doesNotMatch(helpText("history"), /--pulumi/);
  });

  it("lets --help win over other flags, even unknown ones", () => {
    assert.deepEqual(parseCommandLine(["release", "--bogus", "--help"]), {
      command: "help",
      topic: "release",
    });
  });
});

describe("cli args: usage errors", () => {
  it("names an unknown flag and where to find the right one", () => {
    rejects(
      ["release", "v2", "--stack", "dev", "--bogus"],
      /^unknown flag --bogus; run progressive release --help/,
    );
    rejects(["status", "-x", "--stack", "dev"], /^unknown flag -x;/);
  });

  it("suggests the flag that was probably meant", () => {
    rejects(["release", "v2", "--stak", "dev"], /unknown flag --stak; did you mean --stack\?/);
  });

  it("says when a flag belongs to another command", () => {
    rejects(["release", "v2", "--stack", "dev", "--to", "v1"], /^release does not take --to;/);
    rejects(["history", "--pulumi", "/bin/pulumi"], /^history does not take --pulumi;/);
  });

  it("rejects a flag without its value", () => {
    rejects(["status", "--stack"], /^--stack needs a value, e\.g\. --stack dev$/);
    rejects(["status", "--stack", "--json"], /^--stack needs a value/);
    rejects(
      ["release", "v2", "--stack", "dev", "--service"],
      /^--service needs a value, e\.g\. --service web$/,
    );
    rejects(["release", "v2", "--stack", "dev", "--pulumi"], /^--pulumi needs a value/);
  });

  it("rejects an empty --to= and other empty values", () => {
    rejects(["rollback", "--stack", "dev", "--to="], /^--to= is empty; give it a value, e\.g\. --to v1$/);
    rejects(["status", "--stack="], /^--stack= is empty/);
  });

  it("rejects a value given to a switch", () => {
    rejects(["status", "--stack", "dev", "--json=yes"], /^--json takes no value; write --json alone$/);
    rejects(["status", "--stack", "dev", "--help=me"], /^--help takes no value/);
  });

  it("rejects a flag given twice", () => {
    rejects(
      ["status", "--stack", "dev", "--stack", "prod"],
      /^--stack is given twice \(dev, prod\); give it once$/,
    );
  });

  it("rejects extra positional arguments", () => {
    rejects(["release", "v2", "v3", "--stack", "dev"], /^release takes one version, but got "v3" as well;/);
    rejects(["status", "dev"], /^status takes no arguments, but got "dev"; flags start with --/);
    rejects(["help", "release", "now"], /^help takes one command name/);
  });

  it("asks for what is required", () => {
    rejects(
      ["promote-env", "--from", "staging"],
      /^promote-env needs --stack <name> \(the stack to release to\)/,
    );
    rejects(["plan", "--stack", "dev"], /^plan needs a version, e\.g\. progressive plan v2 --stack dev$/);
    rejects(["promote-env", "--stack", "prod"], /^promote-env needs --from <stack>/);
  });

  it("names an unknown command, and a flag before the command", () => {
    rejects(["relase", "v2"], /^unknown command "relase"; did you mean release\? run progressive help$/);
    rejects(["--stack", "dev", "status"], /^the command comes first/);
  });

  it("exits 2 with the message, as JSON under --json", async () => {
    assert.deepEqual(await run(["release", "--bogus"]), {
      code: 2,
      text: "error (usage): unknown flag --bogus; run progressive release --help for its options",
    });
    const r = await run(["rollback", "--stack", "dev", "--to=", "--json"]);
    assert.equal(r.code, 2);
    assert.deepEqual(JSON.parse(r.text), {
      error: { kind: "usage", message: "--to= is empty; give it a value, e.g. --to v1" },
    });
  });
});
