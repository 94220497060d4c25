import * as assert from "node:assert/strict";
import type { Release } from "../../../automation/history";
import {
  buildReport,
  formatDuration,
  formatElapsed,
  niceCeil,
  REPORT_SCHEMA,
  renderChart,
  renderJson,
  renderMarkdown,
  renderReportChart,
} from "../../../automation/report";

const release: Release = {
  id: "20250101T000000Z-abcdef",
  stack: "prod",
  service: "web",
  version: "v2",
  previousVersion: "v1",
  actor: "alice",
  strategy: "canary",
  startedAt: "2025-01-01T00:00:00.000Z",
  finishedAt: "2025-01-01T00:03:04.000Z",
  outcome: "reverted",
  reason: "error-rate 0.12 > 0.05 | step 3",
  timeToRevertMs: 4200,
  steps: [
    {
      v: 1,
      type: "step",
      releaseId: "r",
      stack: "prod",
      index: 0,
      action: "setWeight",
      weight: 5,
      startedAt: "2025-01-01T00:00:00.000Z",
      endedAt: "2025-01-01T00:01:00.000Z",
      outcome: "passed",
      checks: [
        {
          name: "error-rate",
          provider: "prometheus",
          value: 0.01,
          condition: "< 0.05",
          outcome: "Successful",
          at: "2025-01-01T00:01:00.000Z",
        },
        {
          name: "p99-latency",
          provider: "proxy",
          value: null,
          outcome: "Inconclusive",
          reason: 'no requests to version "v2"',
        },
      ],
    },
    {
      v: 1,
      type: "step",
      releaseId: "r",
      stack: "prod",
      index: 1,
      action: "setWeight",
      weight: 25,
      startedAt: "2025-01-01T00:01:00.000Z",
      endedAt: "2025-01-01T00:02:00.000Z",
      outcome: "passed",
      checks: [
        {
          name: "error-rate",
          provider: "prometheus",
          value: 0.02,
          condition: "< 0.05",
          outcome: "Successful",
          at: "2025-01-01T00:02:00.000Z",
        },
      ],
    },
    {
      v: 1,
      type: "step",
      releaseId: "r",
      stack: "prod",
      index: 2,
      action: "setWeight",
      weight: 50,
      startedAt: "2025-01-01T00:02:00.000Z",
      endedAt: "2025-01-01T00:03:00.000Z",
      outcome: "failed",
      checks: [
        {
          name: "error-rate",
          provider: "prometheus",
          value: 0.12,
          condition: "< 0.05",
          outcome: "Failed",
          at: "2025-01-01T00:03:00.000Z",
        },
      ],
    },
    {
      v: 1,
      type: "step",
      releaseId: "r",
      stack: "prod",
      index: 3,
      action: "revert",
      weight: 0,
      startedAt: "2025-01-01T00:03:00.000Z",
      endedAt: "2025-01-01T00:03:04.000Z",
      outcome: "passed",
      checks: [],
    },
  ],
};

/** A minimal XML well-formedness check: one root, every tag closed in order, no stray `<` or `&`. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let roots = 0;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const text = xml.slice(i, lt === -1 ? xml.length : lt);
    assert.doesNotMatch(text, /&(?!amp;|lt;|gt;|quot;|apos;)/, `bad entity in ${JSON.stringify(text)}`);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(xml);
    assert.ok(m, `malformed tag at ${lt}: ${xml.slice(lt, lt + 40)}`);
    const [whole, close, name, , selfClose] = m;
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name as string);
    } else if (stack.length === 0) roots++;
    i = lt + whole.length;
  }
  assert.deepEqual(stack, [], "unclosed elements");
  assert.equal(roots, 1, "exactly one root element");
}

describe("automation/report", () => {
  const now = new Date("2025-01-02T00:00:00.000Z");
  const report = buildReport(release, { now });

  it("builds the JSON report with figures and series", () => {
    assert.equal(report.schema, REPORT_SCHEMA);
    assert.equal(report.release.durationMs, 184_000);
    assert.equal("steps" in report.release, false);
    assert.deepEqual(report.figures, {
      steps: 4,
      maxWeight: 50,
      checks: 4,
      checksByOutcome: { Successful: 2, Failed: 1, Inconclusive: 1, Error: 0 },
    });
    assert.deepEqual(
      report.series.weight.map((p) => p.v),
      [0, 5, 25, 50, 0, 0],
    );
    assert.deepEqual(
      report.series.errorRate.map((p) => p.v),
      [0.01, 0.02, 0.12],
    );
    assert.deepEqual(JSON.parse(renderJson(report)), JSON.parse(JSON.stringify(report)));
  });

  it("renders Markdown with steps, check values and the outcome", () => {
    const md = renderMarkdown(report, "release chart.svg");
    assert.match(md, /^# Release 20250101T000000Z-abcdef: web v2 on prod: reverted\n/);
    assert.match(md, /\| Outcome \| \*\*reverted\*\* \|/);
    assert.match(md, /\| Reason \| error-rate 0\.12 > 0\.05 \\\| step 3 \|/);
    assert.match(md, /\| Time to revert \| 4\.2 s \|/);
    assert.match(md, /\| Version \| v2 \(from v1\) \|/);
    assert.match(md, /!\[Traffic weight and error rate\]\(release%20chart\.svg\)/);
    assert.match(md, /\| 3 \| setWeight \| 50% \| 2025-01-01T00:02:00\.000Z \| 1m 00s \| failed \|/);
    assert.match(md, /\| 3 \| error-rate \| prometheus \| 0\.12 \| < 0\.05 \| Failed \| {2}\|/);
    assert.match(
      md,
      /\| 1 \| p99-latency \| proxy \| no value \| {2}\| Inconclusive \| no requests to version "v2" \|/,
    );
    assert.match(md, /\| Checks \| 4 \(2 successful, 1 failed, 1 inconclusive, 0 error\) \|/);
  });

  it("shows a step's note beside its action, in Markdown and JSON", () => {
    const note = "revision web--v2-bbbbbb of Container App rg/web: deactivated | no traffic";
    const retire = {
      ...(release.steps[0] as Release["steps"][number]),
      index: 4,
      action: "retire",
      checks: [],
      note,
    };
    const { weight: _w, ...noWeight } = retire;
    const withNote = buildReport({ ...release, steps: [...release.steps, noWeight] });
    assert.equal(withNote.steps.at(-1)?.note, note);
    assert.equal(withNote.steps[0]?.note, undefined);
    assert.match(
      renderMarkdown(withNote),
      /\| 5 \| retire: revision web--v2-bbbbbb of Container App rg\/web: deactivated \\| no traffic \| {2}\|/,
    );
  });

  it("renders a well-formed SVG with both series, axes and labels", () => {
    const svg = renderReportChart(report);
    assertWellFormed(svg.trim());
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="720" height="320"/);
    assert.match(svg, /<title>web v2 on prod: reverted<\/title>/);
    const weight = /class="series-weight"[^>]*points="([^"]+)"/.exec(svg)?.[1]?.split(" ") ?? [];
    assert.equal(weight.length, 11, "6 points drawn as steps: 1 + 2 per later point");
    const errors = /class="series-error-rate"[^>]*points="([^"]+)"/.exec(svg)?.[1]?.split(" ") ?? [];
    assert.equal(errors.length, 3);
    assert.equal(svg.match(/class="point-error-rate"/g)?.length, 3);
    for (const label of ["traffic weight (%)", "error rate (%)", "time since start", "100%", "0%", "3m04s"]) {
      assert.ok(svg.includes(`>${label}<`), `missing label ${label}`);
    }
    // Error-rate axis: 12 % rounds up to a nice 20 %, so 0.12 sits at 60 % of the plot height.
    assert.ok(svg.includes(">20%<"));
    const last = errors[2]?.split(",").map(Number) ?? [];
    assert.equal(last[1], 131.2);
  });

  it("escapes text and draws an empty chart", () => {
    const svg = renderChart([], [], { title: `a<b & "c"` });
    assertWellFormed(svg.trim());
    assert.ok(svg.includes("<title>a&lt;b &amp; &quot;c&quot;</title>"));
    assert.ok(svg.includes(">no data<"));
  });

  it("formats numbers for axes and tables", () => {
    assert.deepEqual([0.3, 1, 7, 12, 23, 0].map(niceCeil), [0.5, 1, 10, 20, 25, 1]);
    assert.deepEqual([45, 120, 90, 3900].map(formatElapsed), ["45s", "2m", "1m30s", "1h05m"]);
    assert.deepEqual([850, 4200, 65_000, 3_720_000].map(formatDuration), [
      "850 ms",
      "4.2 s",
      "1m 05s",
      "1h 02m",
    ]);
  });
});
