// @ts-check
// Mocha's spec reporter, plus one plain closing line that CI reads in any language:
// "<tier>: N passed, N failed, N skipped". Skipped tests print their reason above it.

const Mocha = require("mocha");

const { EVENT_RUN_END } = Mocha.Runner.constants;

class ProgressiveReporter extends Mocha.reporters.Spec {
  /** @param {Mocha.Runner} runner @param {Mocha.MochaOptions} options */
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      const tier = process.env.TEST_TIER || "tests";
      process.stdout.write(`\n${tier}: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

module.exports = ProgressiveReporter;
