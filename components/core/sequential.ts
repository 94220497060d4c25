// Anytime-valid sequential tests on counts: the Dirichlet-multinomial Bayes factor of Lindon and
// Malek ("Anytime-valid inference for multinomial count data", NeurIPS 2022), the test Netflix
// uses to stop bad canaries (Lindon, Sanden, Shirikian, KDD 2022). Under the null, each event
// falls in category i with probability theta0[i] (for a canary's errors: the candidate's share of
// the traffic); the alternative mixes every other split with a Dirichlet(k * theta0) prior. The
// Bayes factor
//
//   BF_n = [B(k*theta0 + n) / B(k*theta0)] / prod_i theta0[i]^n[i],   B(a) = prod Γ(a_i) / Γ(sum a_i)
//
// is a nonnegative martingale with mean 1 under the null, so by Ville's inequality the chance that
// it EVER reaches 1/alpha is at most alpha: the test may be looked at after every request and
// keeps its false-alarm rate. The anytime-valid p-value is min(1, 1 / max_{m<=n} BF_m). It
// depends on the counts only, so adding counts as they arrive equals computing it once from the
// totals (only the running maximum needs the path). Pure maths, no dependencies.
import { incompleteBeta, lnGamma } from "./evidence";

/** Default prior concentration k, as in the method's own code (savvi's Multinomial). */
export const DEFAULT_CONCENTRATION = 100;

/**
 * Default concentration of a canary's error test: 10, chosen with `npm run bench:judge` (1,000
 * seeded runs a case, the one-sided test): at a 5 % weight a 5x error rate is reverted after 104
 * candidate requests (median) against 180 with 100, a 2x rate is caught as often, and the A/A
 * false-alarm rate is 2.1 % (the bound is 5 %; the default threshold checks' own is 2.1 %). A
 * smaller k spreads the prior over large effects, which is what a canary must catch quickly.
 */
export const CANARY_CONCENTRATION = 10;

/** Default false-alarm rate of a canary's error test, over every look. */
export const CANARY_ALPHA = 0.05;

/** ln B(a) of a Dirichlet: sum ln Γ(a_i) - ln Γ(sum a_i). */
function lnMultiBeta(a: readonly number[]): number {
  let sum = 0;
  let total = 0;
  for (const x of a) {
    sum += lnGamma(x);
    total += x;
  }
  return sum - lnGamma(total);
}

/** ln BF of `counts` against the null split `theta0` with a Dirichlet(k * theta0) mixture. */
export function multinomialLogBayesFactor(
  counts: readonly number[],
  theta0: readonly number[],
  k: number = DEFAULT_CONCENTRATION,
): number {
  const prior = theta0.map((t) => k * t);
  let lnNull = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i] as number;
    if (n > 0) lnNull += n * Math.log(theta0[i] as number);
  }
  return lnMultiBeta(prior.map((a, i) => a + (counts[i] as number))) - lnMultiBeta(prior) - lnNull;
}

/**
 * ln BF of two counts against the null share `theta0` of the first, with the Beta(k * theta0,
 * k * (1 - theta0)) mixture kept to one side of it: shares above theta0 (`above`) or below. The
 * two-sided factor times P(side | counts) / P(side) under the prior:
 *
 *   BF+_n = BF_n * (1 - I_theta0(a + n1, b + n2)) / (1 - I_theta0(a, b)),   a = k*theta0, b = k*(1-theta0)
 *
 * (I the regularised incomplete beta; `below` uses I itself). A mixture of likelihood ratios over
 * the alternative side only, so still a nonnegative martingale under the null, and a
 * supermartingale for every share on the null's side: the one-sided null "no worse" keeps alpha.
 * It spends no prior mass on the direction that cannot reject, so it reaches 1/alpha sooner.
 */
export function oneSidedLogBayesFactor(
  counts: readonly [number, number],
  theta0: number,
  k: number,
  side: "above" | "below",
): number {
  const [a, b] = [k * theta0, k * (1 - theta0)];
  const tail = (x: number, y: number) =>
    side === "above" ? 1 - incompleteBeta(x, y, theta0) : incompleteBeta(x, y, theta0);
  return (
    multinomialLogBayesFactor(counts, [theta0, 1 - theta0], k) +
    Math.log(tail(a + counts[0], b + counts[1])) -
    Math.log(tail(a, b))
  );
}

/** Where a sequential test stands. */
export interface SequentialReading {
  /** Counts so far, per category. */
  readonly counts: readonly number[];
  /** ln of the Bayes factor now. */
  readonly logBayesFactor: number;
  /** The anytime-valid p-value: min(1, 1 / the largest Bayes factor seen). */
  readonly pValue: number;
}

/** A multinomial sequential test, updated as counts arrive. */
export class SequentialTest {
  private readonly counts: number[];
  private maxLog = 0;

  constructor(
    readonly theta0: readonly number[],
    readonly k: number = DEFAULT_CONCENTRATION,
    /** Two categories only: test just the first's share above (or below) theta0[0]. @default two-sided */
    readonly side?: "above" | "below",
  ) {
    const sum = theta0.reduce((a, b) => a + b, 0);
    if (theta0.some((t) => !(t > 0 && t < 1)) || Math.abs(sum - 1) > 1e-9)
      throw new RangeError(`theta0 (${theta0.join(", ")}) must be shares in (0, 1) that sum to 1`);
    if (!(k > 0)) throw new RangeError(`k (${k}) must be positive`);
    if (side && theta0.length !== 2)
      throw new RangeError(`a one-sided test has two categories, not ${theta0.length}`);
    this.counts = theta0.map(() => 0);
  }

  /** Adds new counts (each at least 0) and returns where the test stands. */
  update(added: readonly number[]): SequentialReading {
    if (added.length !== this.counts.length || added.some((n) => !(n >= 0) || !Number.isInteger(n)))
      throw new RangeError(`counts (${added.join(", ")}) must be ${this.counts.length} whole numbers >= 0`);
    added.forEach((n, i) => {
      this.counts[i] = (this.counts[i] as number) + n;
    });
    return this.reading();
  }

  reading(): SequentialReading {
    const log = this.side
      ? oneSidedLogBayesFactor(
          [this.counts[0] as number, this.counts[1] as number],
          this.theta0[0] as number,
          this.k,
          this.side,
        )
      : multinomialLogBayesFactor(this.counts, this.theta0, this.k);
    this.maxLog = Math.max(this.maxLog, log);
    return { counts: [...this.counts], logBayesFactor: log, pValue: Math.min(1, Math.exp(-this.maxLog)) };
  }
}

/** The verdict on a canary's errors. */
export type CanaryVerdict =
  | { readonly decision: "worse"; readonly pValue: number; readonly reason: string }
  | { readonly decision: "notWorse"; readonly pValue: number; readonly reason: string }
  | { readonly decision: "continue"; readonly pValue: number; readonly reason: string }
  | { readonly decision: "mismatch"; readonly pValue: number; readonly reason: string };

/** Settings of a canary's sequential error check. */
export interface CanaryTestOptions {
  /** The candidate's share of requests asked of the router, in (0, 1). */
  readonly weight: number;
  /** False-alarm rate of the error test, over every look. @default 0.05 */
  readonly alpha?: number;
  /** Prior concentration. @default {@link CANARY_CONCENTRATION} */
  readonly k?: number;
  /** False-alarm rate of the sample ratio check (requests split versus weight). @default 0.001 */
  readonly ratioAlpha?: number;
  /**
   * Decide "not worse" early: when a second test rejects "the candidate's error rate is at least
   * (1 + margin) times stable's" at alpha, the step may end. @default unset: only "worse" ends it
   */
  readonly notWorseMargin?: number;
  /** What the test counts, in messages: "errors", or "slow requests (over 250 ms)". @default "errors" */
  readonly events?: string;
}

/** The candidate's share of the errors when its error rate is `ratio` times stable's, at weight w. */
function errorShare(w: number, ratio: number): number {
  return (w * ratio) / (w * ratio + (1 - w));
}

/**
 * A canary's errors judged sequentially: under the null (the candidate no worse) each error is the
 * candidate's with the probability of its weight. Rejects ("worse") when the p-value falls under
 * alpha with the candidate holding more than its share of the errors. Beside it, a sample ratio
 * check of the requests against the weight: a split the router was not asked for means the routing
 * or the metric is wrong, and the error test's null with it (then "mismatch").
 */
export class CanaryErrorTest {
  private readonly errors: SequentialTest;
  private readonly requests: SequentialTest;
  private readonly margin?: { readonly test: SequentialTest; readonly share: number };
  private readonly alpha: number;
  private readonly ratioAlpha: number;
  private totals = { candidateRequests: 0, candidateErrors: 0, stableRequests: 0, stableErrors: 0 };

  constructor(readonly o: CanaryTestOptions) {
    const w = o.weight;
    this.errors = new SequentialTest([w, 1 - w], o.k ?? CANARY_CONCENTRATION, "above");
    this.requests = new SequentialTest([w, 1 - w], o.k ?? CANARY_CONCENTRATION);
    this.alpha = o.alpha ?? CANARY_ALPHA;
    this.ratioAlpha = o.ratioAlpha ?? 0.001;
    if (o.notWorseMargin !== undefined) {
      if (!(o.notWorseMargin > 0))
        throw new RangeError(`notWorseMargin (${o.notWorseMargin}) must be above 0`);
      const share = errorShare(w, 1 + o.notWorseMargin);
      this.margin = {
        test: new SequentialTest([share, 1 - share], o.k ?? CANARY_CONCENTRATION, "below"),
        share,
      };
    }
  }

  get candidateRequests(): number {
    return this.totals.candidateRequests;
  }

  /** Adds the requests and errors of each version since the last look. */
  update(added: {
    candidateRequests: number;
    candidateErrors: number;
    stableRequests: number;
    stableErrors: number;
  }): CanaryVerdict {
    const t = this.totals;
    this.totals = {
      candidateRequests: t.candidateRequests + added.candidateRequests,
      candidateErrors: t.candidateErrors + added.candidateErrors,
      stableRequests: t.stableRequests + added.stableRequests,
      stableErrors: t.stableErrors + added.stableErrors,
    };
    const ratio = this.requests.update([added.candidateRequests, added.stableRequests]);
    const errs = this.errors.update([added.candidateErrors, added.stableErrors]);
    const bound = this.margin?.test.update([added.candidateErrors, added.stableErrors]);
    const n = this.totals;
    const pct = (x: number) => `${Number((x * 100).toPrecision(3))} %`;
    const served = n.candidateRequests + n.stableRequests;
    if (ratio.pValue < this.ratioAlpha)
      return {
        decision: "mismatch",
        pValue: ratio.pValue,
        reason: `the candidate served ${pct(n.candidateRequests / served)} of ${served} requests, not the ${pct(this.o.weight)} asked (p ${ratio.pValue.toPrecision(2)} < ${this.ratioAlpha}): the routing or the metric is wrong, so the errors cannot be compared`,
      };
    const errors = n.candidateErrors + n.stableErrors;
    const share = errors === 0 ? 0 : n.candidateErrors / errors;
    const events = this.o.events ?? "errors";
    const rates = `${n.candidateErrors}/${n.candidateRequests} ${events} on the candidate, ${n.stableErrors}/${n.stableRequests} on stable`;
    if (errs.pValue < this.alpha && share > this.o.weight)
      return {
        decision: "worse",
        pValue: errs.pValue,
        reason: `${rates}: the candidate has ${pct(share)} of the ${events} at ${pct(this.o.weight)} of the traffic (anytime-valid p ${errs.pValue.toPrecision(2)} < ${this.alpha})`,
      };
    if (this.margin && bound && bound.pValue < this.alpha && share < this.margin.share)
      return {
        decision: "notWorse",
        pValue: bound.pValue,
        reason: `${rates}: the candidate's rate of ${events} is below ${1 + (this.o.notWorseMargin ?? 0)} times stable's (its share of them ${pct(share)} < ${pct(this.margin.share)}, anytime-valid p ${bound.pValue.toPrecision(2)} < ${this.alpha})`,
      };
    return {
      decision: "continue",
      pValue: errs.pValue,
      reason: `${rates}: no evidence yet (p ${errs.pValue.toPrecision(2)})`,
    };
  }
}
