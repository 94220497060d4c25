// Whether a measured difference is evidence or noise. A window's error rate or throughput share is
// a count of requests, and small counts move a lot by chance: 1 failed request of 20 is a 5 % error
// rate, against 0 of 380 for the stable version, with both versions equally good. So a condition
// on a count (where the provider reports how many requests the value comes from) is judged by an
// exact one-sided binomial test at ALPHA, the way Kayenta judges at 98 % (two-sided) confidence:
// a candidate is held to be on the bad side of a threshold only when chance explains its count
// less often than ALPHA. Pure maths, no dependencies.

/** The counts behind a measurement, as the builtin providers report them. */
export type Evidence =
  /** The value is a share of requests (error rate): of `trials` candidate requests, `baselineTrials` stable ones. */
  | { readonly kind: "proportion"; readonly trials: number; readonly baselineTrials?: number }
  /**
   * The value and baseline are requests per unit of traffic weight (throughput): `candidate` and
   * `stable` requests in the window, the candidate holding `candidateWeight` (0-1) of the traffic.
   */
  | {
      readonly kind: "share";
      readonly candidate: number;
      readonly stable: number;
      readonly candidateWeight: number;
    };

/** One-sided significance level of every count test: the chance of calling noise a regression. */
export const ALPHA = 0.01;

/** Which side of a threshold a test looks at. */
export type Side = "above" | "below";

const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
  12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error below 1e-13). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The continued fraction of the incomplete beta function (modified Lentz); NaN when it does not converge. */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  // Converges in O(sqrt(max(a, b))) steps: a window of a million requests needs about a thousand.
  for (let m = 1; m <= 20_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-14) return h;
  }
  return Number.NaN;
}

/** The regularised incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1. */
export function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast on one side of the mean; use the symmetry I_x(a,b) = 1 - I_(1-x)(b,a).
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(a, b, x)) / a
    : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(X >= k) for X ~ Binomial(n, p). */
export function binomialAtLeast(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  return incompleteBeta(k, n - k + 1, p);
}

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialAtMost(n: number, k: number, p: number): number {
  return k >= n ? 1 : 1 - binomialAtLeast(n, k + 1, p);
}

/** The one-sided p-value of `k` successes in `n` trials against success probability `p`, on `side`. */
export function binomialPValue(n: number, k: number, p: number, side: Side): number {
  const clamped = Math.min(1, Math.max(0, p));
  return side === "above" ? binomialAtLeast(n, k, clamped) : binomialAtMost(n, k, clamped);
}
