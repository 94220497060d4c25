// Release reports: JSON, Markdown and an SVG chart.
export * from "./markdown";
export * from "./model";
export * from "./svg";
