// A self-contained SVG chart of a release: candidate traffic weight (percent, left axis, drawn
// as steps) and error rate (percent, right axis, points joined by lines) over time since start.
import type { ReleaseReport, SeriesPoint } from "./model";

/** Size and labels of the chart. */
export interface ChartOptions {
  /** Width in pixels. @default 720 */
  readonly width?: number;
  /** Height in pixels. @default 320 */
  readonly height?: number;
  /** Title drawn above the plot. @default "Traffic weight and error rate" */
  readonly title?: string;
}

const M = { left: 56, right: 64, top: 40, bottom: 52 };
const WEIGHT_COLOR = "#2563eb";
const ERROR_COLOR = "#dc2626";

/** Escapes text and attribute values for XML. */
export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** The smallest of 1, 2, 2.5, 5 x 10^k that is >= x (x > 0). */
export function niceCeil(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x - 1e-12) return m * p;
  return 10 * p;
}

/** `45s`, `2m`, `1m30s`, `1h05m` for an axis label. */
export function formatElapsed(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600)
    return s % 60 === 0 ? `${s / 60}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();
const pct = (n: number) => `${Number.parseFloat(n.toPrecision(3))}%`;

/** Renders the chart of two series (pure). Error-rate values are fractions (0.05 = 5 %). */
export function renderChart(
  weight: readonly SeriesPoint[],
  errorRate: readonly SeriesPoint[],
  opts: ChartOptions = {},
): string {
  const width = opts.width ?? 720;
  const height = opts.height ?? 320;
  const title = opts.title ?? "Traffic weight and error rate";
  const plotW = width - M.left - M.right;
  const plotH = height - M.top - M.bottom;
  const times = [...weight, ...errorRate].map((p) => Date.parse(p.t)).filter(Number.isFinite);
  const t0 = times.length ? Math.min(...times) : 0;
  const spanS = Math.max(1, (times.length ? Math.max(...times) - t0 : 0) / 1000);
  const errMax = niceCeil(Math.max(1, ...errorRate.map((p) => p.v * 100)));
  const x = (t: string) => M.left + ((Date.parse(t) - t0) / 1000 / spanS) * plotW;
  const yW = (v: number) => M.top + plotH - (Math.min(100, Math.max(0, v)) / 100) * plotH;
  const yE = (v: number) => M.top + plotH - (Math.min(errMax, Math.max(0, v * 100)) / errMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${xmlEscape(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">${xmlEscape(title)}</text>`,
  ];
  // Grid and left axis (weight), right axis (error rate): five ticks each.
  for (let i = 0; i <= 4; i++) {
    const y = fmt(M.top + plotH - (i / 4) * plotH);
    out.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + plotW}" y2="${y}" stroke="#e5e7eb"/>`);
    out.push(
      `<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="${WEIGHT_COLOR}">${i * 25}%</text>`,
    );
    out.push(
      `<text x="${M.left + plotW + 6}" y="${y}" dominant-baseline="middle" fill="${ERROR_COLOR}">${pct((errMax * i) / 4)}</text>`,
    );
    const tx = fmt(M.left + (i / 4) * plotW);
    out.push(
      `<text x="${tx}" y="${M.top + plotH + 16}" text-anchor="middle">${formatElapsed((spanS * i) / 4)}</text>`,
    );
  }
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#6b7280"/>`,
  );
  out.push(`<text x="${M.left + plotW / 2}" y="${height - 12}" text-anchor="middle">time since start</text>`);
  out.push(
    `<text transform="translate(14 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="${WEIGHT_COLOR}">traffic weight (%)</text>`,
  );
  out.push(
    `<text transform="translate(${width - 10} ${M.top + plotH / 2}) rotate(90)" text-anchor="middle" fill="${ERROR_COLOR}">error rate (%)</text>`,
  );
  // Weight as steps: hold each value until the next point.
  const steps: string[] = [];
  weight.forEach((p, i) => {
    const prev = weight[i - 1];
    if (prev) steps.push(`${fmt(x(p.t))},${fmt(yW(prev.v))}`);
    steps.push(`${fmt(x(p.t))},${fmt(yW(p.v))}`);
  });
  if (steps.length > 0) {
    out.push(
      `<polyline class="series-weight" fill="none" stroke="${WEIGHT_COLOR}" stroke-width="2" points="${steps.join(" ")}"/>`,
    );
  }
  if (errorRate.length > 0) {
    const pts = errorRate.map((p) => `${fmt(x(p.t))},${fmt(yE(p.v))}`);
    out.push(
      `<polyline class="series-error-rate" fill="none" stroke="${ERROR_COLOR}" stroke-width="2" points="${pts.join(" ")}"/>`,
    );
    for (const p of errorRate) {
      out.push(
        `<circle class="point-error-rate" cx="${fmt(x(p.t))}" cy="${fmt(yE(p.v))}" r="3" fill="${ERROR_COLOR}"><title>${xmlEscape(`${p.t}: ${pct(p.v * 100)}`)}</title></circle>`,
      );
    }
  }
  // Legend.
  const ly = M.top - 10;
  out.push(
    `<line x1="${M.left}" y1="${ly}" x2="${M.left + 18}" y2="${ly}" stroke="${WEIGHT_COLOR}" stroke-width="2"/>`,
  );
  out.push(`<text x="${M.left + 22}" y="${ly}" dominant-baseline="middle">traffic weight</text>`);
  out.push(
    `<line x1="${M.left + 120}" y1="${ly}" x2="${M.left + 138}" y2="${ly}" stroke="${ERROR_COLOR}" stroke-width="2"/>`,
  );
  out.push(`<text x="${M.left + 142}" y="${ly}" dominant-baseline="middle">error rate</text>`);
  if (weight.length === 0 && errorRate.length === 0) {
    out.push(
      `<text x="${M.left + plotW / 2}" y="${M.top + plotH / 2}" text-anchor="middle" fill="#6b7280">no data</text>`,
    );
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/** The chart of a report's series. */
export function renderReportChart(report: ReleaseReport, opts: ChartOptions = {}): string {
  const r = report.release;
  const title = opts.title ?? `${r.service ? `${r.service} ` : ""}${r.version} on ${r.stack}: ${r.outcome}`;
  return renderChart(report.series.weight, report.series.errorRate, { ...opts, title });
}
