// How fast and how safely a canary is judged (`npm run bench:judge`): the anytime-valid sequential
// error test (components/core/sequential.ts) against today's default threshold checks (the
// error-rate gate "< 110% of baseline" and the 5xx trigger "> 0.05", judged per 60-s window with
// their binomial noise test, count 5, the analysisVerdict rules) on the same simulated streams.
//
// A stream: RATE requests a second in total, each the candidate's with the step's weight, each an
// error with its version's rate (stable 1 %), for one analysis (5 windows of 60 s). The sequential
// test looks once a second (a poll); the threshold checks once a window. Seeded: the same streams
// every run. Printed per weight and candidate error rate: the false-alarm rate on A/A runs (the
// candidate reverted although as good), the detection rate within the step, and the median and
// 90th percentile of candidate requests until the revert. Writes bench-results/judge.json.
// Rerun: npm run bench:judge   (RUNS=2000 RATE=100 npm run bench:judge)
import * as fs from "node:fs";
import * as path from "node:path";
import {
  analysisVerdict,
  classifyMeasurement,
  DEFAULT_5XX_TRIGGER,
  DEFAULT_ERROR_RATE_GATE,
  type MetricCheck,
  type Outcome,
  type Problem,
  resolveMetricCheck,
} from "../../components/core";
import { CANARY_CONCENTRATION, CanaryErrorTest } from "../../components/core/sequential";

const RUNS = Number(process.env.RUNS ?? 1000);
const RATE = Number(process.env.RATE ?? 50);
const WINDOW_SECONDS = 60;
const STABLE_ERROR_RATE = 0.01;
const WEIGHTS = [0.05, 0.1];
const CANDIDATE_ERROR_RATES = [0.01, 0.02, 0.05, 0.1];
const ALPHA = 0.05;
const K = Number(process.env.K ?? CANARY_CONCENTRATION);

/** mulberry32: a small seeded generator, so every run sees the same streams. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Second {
  candidateRequests: number;
  candidateErrors: number;
  stableRequests: number;
  stableErrors: number;
}

/** One analysis' stream, second by second. */
function stream(rand: () => number, weight: number, candidateRate: number, seconds: number): Second[] {
  const out: Second[] = [];
  for (let s = 0; s < seconds; s++) {
    const x = { candidateRequests: 0, candidateErrors: 0, stableRequests: 0, stableErrors: 0 };
    for (let r = 0; r < RATE; r++) {
      if (rand() < weight) {
        x.candidateRequests++;
        if (rand() < candidateRate) x.candidateErrors++;
      } else {
        x.stableRequests++;
        if (rand() < STABLE_ERROR_RATE) x.stableErrors++;
      }
    }
    out.push(x);
  }
  return out;
}

/** Candidate requests until the sequential test rejected, or undefined when it did not. */
function sequential(secs: readonly Second[], weight: number): number | undefined {
  const test = new CanaryErrorTest({ weight, alpha: ALPHA, k: K });
  for (const s of secs) if (test.update(s).decision === "worse") return test.candidateRequests;
  return undefined;
}

const problems: Problem[] = [];
const THRESHOLD_CHECKS: MetricCheck[] = [
  resolveMetricCheck(DEFAULT_ERROR_RATE_GATE, "errorRate", problems),
  resolveMetricCheck(DEFAULT_5XX_TRIGGER, "http5xx", problems),
];

/** Candidate requests until the default threshold checks failed the analysis, or undefined. */
function threshold(secs: readonly Second[]): number | undefined {
  const outcomes: Outcome[][] = THRESHOLD_CHECKS.map(() => []);
  let candidateRequests = 0;
  for (let w = 0; w * WINDOW_SECONDS < secs.length; w++) {
    const win = secs.slice(w * WINDOW_SECONDS, (w + 1) * WINDOW_SECONDS);
    const sum = (k: keyof Second) => win.reduce((a, s) => a + s[k], 0);
    const [cr, ce, sr, se] = [
      sum("candidateRequests"),
      sum("candidateErrors"),
      sum("stableRequests"),
      sum("stableErrors"),
    ];
    candidateRequests += cr;
    const measurement = {
      ...(cr > 0 ? { value: ce / cr } : {}),
      ...(sr > 0 ? { baseline: se / sr } : {}),
      evidence: { kind: "proportion" as const, trials: cr, baselineTrials: sr },
    };
    for (const [i, check] of THRESHOLD_CHECKS.entries()) {
      const list = outcomes[i] as Outcome[];
      list.push(classifyMeasurement(measurement, check).outcome);
      const v = analysisVerdict(list, check);
      if (v.phase === "Failed" || v.phase === "Inconclusive" || v.phase === "Error") return candidateRequests;
    }
  }
  return undefined;
}

function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

interface Figures {
  readonly reverted: number;
  readonly medianRequests?: number;
  readonly p90Requests?: number;
}

function figures(detections: readonly (number | undefined)[]): Figures {
  const hit = detections.filter((d): d is number => d !== undefined).sort((a, b) => a - b);
  const median = quantile(hit, 0.5);
  const p90 = quantile(hit, 0.9);
  return {
    reverted: hit.length / detections.length,
    ...(median !== undefined ? { medianRequests: median } : {}),
    ...(p90 !== undefined ? { p90Requests: p90 } : {}),
  };
}

function main(): void {
  if (problems.length > 0) throw new Error(`default checks do not resolve: ${JSON.stringify(problems)}`);
  const seconds = WINDOW_SECONDS * (THRESHOLD_CHECKS[0]?.count ?? 5);
  const rows: Array<{ weight: number; candidateErrorRate: number; sequential: Figures; threshold: Figures }> =
    [];
  const started = Date.now();
  for (const weight of WEIGHTS) {
    for (const rate of CANDIDATE_ERROR_RATES) {
      const rand = random(Math.round(weight * 1000) * 7919 + Math.round(rate * 1000));
      const seq: Array<number | undefined> = [];
      const thr: Array<number | undefined> = [];
      for (let run = 0; run < RUNS; run++) {
        const secs = stream(rand, weight, rate, seconds);
        seq.push(sequential(secs, weight));
        thr.push(threshold(secs));
      }
      rows.push({ weight, candidateErrorRate: rate, sequential: figures(seq), threshold: figures(thr) });
    }
  }
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`.padStart(7);
  const n = (x: number | undefined) => String(x ?? "-").padStart(6);
  console.log(
    `judge: ${RUNS} runs a case, ${RATE} requests/s, stable error rate ${STABLE_ERROR_RATE * 100} %, one analysis of ${seconds} s (the default checks: ${THRESHOLD_CHECKS.map((c) => c.name).join(", ")}, count ${THRESHOLD_CHECKS[0]?.count}, ${WINDOW_SECONDS}-s windows); sequential alpha ${ALPHA}, k ${K}, polled every second`,
  );
  console.log("weight  candidate  |  sequential: reverted  median  p90  |  threshold: reverted  median  p90");
  for (const r of rows) {
    const label = r.candidateErrorRate === STABLE_ERROR_RATE ? "(A/A)" : "";
    console.log(
      `${pct(r.weight)}  ${pct(r.candidateErrorRate)} ${label.padEnd(5)} | ${pct(r.sequential.reverted)} ${n(r.sequential.medianRequests)} ${n(r.sequential.p90Requests)} | ${pct(r.threshold.reverted)} ${n(r.threshold.medianRequests)} ${n(r.threshold.p90Requests)}`,
    );
  }
  for (const r of rows.filter((x) => x.candidateErrorRate === 0.05)) {
    const s = r.sequential.medianRequests;
    const t = r.threshold.medianRequests;
    const ratio = s !== undefined && t !== undefined ? (s / t).toFixed(2) : "n/a";
    console.log(
      `${r.weight === 0.05 ? "" : `(weight ${r.weight * 100} %) `}sequential-vs-threshold requests ratio: ${ratio}`,
    );
  }
  console.log(
    `(${((Date.now() - started) / 1000).toFixed(1)} s; rerun: npm run bench:judge, RUNS=2000 RATE=100 to vary)`,
  );
  const out = path.join(__dirname, "..", "..", "bench-results", "judge.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({ runs: RUNS, rate: RATE, alpha: ALPHA, rows }, null, 2)}\n`);
}

main();
