// @ts-check
// Mocha's spec reporter, plus one plain closing line that CI reads in any language:
// "<tier>: N passed, N failed, N skipped". Skipped tests print their reason above it. The first
// and last lines name the runtime and SDK the tier ran on, so CI's output shows the matrix.

const Mocha = require("mocha");

const { EVENT_RUN_BEGIN, EVENT_RUN_END } = Mocha.Runner.constants;

/** "node v24.22.3, @pulumi/pulumi 3.276.0" (and the SDK a user's project gets, when asked). */
function runtime() {
  let sdk = "not installed";
  try {
    sdk = require("@pulumi/pulumi/package.json").version;
  } catch {}
  const user = process.env.PROGRESSIVE_TEST_PULUMI_SDK;
  return `node ${process.version}, @pulumi/pulumi ${sdk}${user ? ` (user projects: ${user} release of the peer range)` : ""}`;
}

class ProgressiveReporter extends Mocha.reporters.Spec {
  /** @param {Mocha.Runner} runner @param {Mocha.MochaOptions} options */
  constructor(runner, options) {
    super(runner, options);
    const tier = process.env.TEST_TIER || "tests";
    runner.once(EVENT_RUN_BEGIN, () => process.stdout.write(`${tier} on ${runtime()}\n`));
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      process.stdout.write(`\n${tier} ran on ${runtime()}\n`);
      process.stdout.write(`${tier}: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

module.exports = ProgressiveReporter;
