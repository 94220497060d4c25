// The dashboard's page: follows /api/events (server-sent events, each the whole state) and draws
// it. No framework, no build step. Text goes in with textContent; the only markup taken from the
// server is the report's SVG chart, which the server escapes (automation/report/svg.ts).

// The token comes in the address's fragment (never sent to the server) and stays for this tab.
const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromHash) {
  sessionStorage.setItem("progressive-token", fromHash);
  history.replaceState(null, "", location.pathname);
}
const token = () => sessionStorage.getItem("progressive-token");

/** An element with attributes and children (strings become text). */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined) e.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c);
  return e;
}

const pct = (n) => (typeof n === "number" ? `${n}%` : "–");
function dur(ms) {
  if (typeof ms !== "number") return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)}m ${String(Math.round((ms % 60000) / 1000)).padStart(2, "0")}s`;
}
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "");

function servicesTable(stack) {
  const services = stack.status ? stack.status.services : [];
  if (!stack.status) return stack.error ? null : el("p", { class: "muted" }, "reading status…");
  const rows = services.map((s) => {
    const t = s.traffic;
    const router = s.router.verified
      ? el("span", { class: "ok" }, `${pct(s.router.candidateWeight)} verified`)
      : el("span", { class: "muted", title: s.router.reason || "" }, "unverified");
    const holder = s.holder && !s.holder.free ? `${s.holder.holder.host} (pid ${s.holder.holder.pid})` : "–";
    return el(
      "tr",
      { "data-service": s.name },
      el("td", {}, s.name),
      el("td", {}, s.platform),
      el("td", {}, s.kind),
      el("td", {}, t.stableVersion),
      el("td", {}, t.candidateVersion ? `${t.candidateVersion} at ${pct(t.candidateWeight)}` : "–"),
      el("td", { "data-router-weight": s.router.verified ? s.router.candidateWeight : "" }, router),
      el("td", {}, holder),
    );
  });
  const head = [
    "service",
    "platform",
    "strategy",
    "stable",
    "candidate",
    "router (read back)",
    "lock holder",
  ];
  return el(
    "table",
    {},
    el(
      "tr",
      {},
      head.map((h) => el("th", {}, h)),
    ),
    rows,
  );
}

async function change(stack, service, action, full) {
  const message = document.getElementById("message");
  message.textContent = `${action} ${service}…`;
  const r = await fetch(
    `/api/stacks/${encodeURIComponent(stack)}/services/${encodeURIComponent(service)}/${action}`,
    {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token() || ""}` },
      body: JSON.stringify({ full: Boolean(full) }),
    },
  );
  const body = await r.json();
  message.className = body.ok ? "ok" : "error";
  message.textContent = body.ok
    ? `${action} ${service}: ${body.result.outcome}`
    : `${action} ${service}: ${body.error.message}${body.error.fix ? ` (${body.error.fix})` : ""}`;
}

function liveBox(stack, live, readOnly) {
  const plan = el(
    "ol",
    { class: "plan", start: 0 },
    live.plan.map((p) =>
      el(
        "li",
        { "data-state": p.state },
        `${p.text}${p.durationMs !== undefined ? ` (${dur(p.durationMs)})` : ""}`,
      ),
    ),
  );
  const events = el(
    "ul",
    { class: "events" },
    live.events.map((e) => el("li", {}, `${time(e.at)} ${e.text}`)),
  );
  const chart = el("div", { class: "chart" });
  chart.innerHTML = live.chart;
  const buttons =
    !readOnly && live.open
      ? el(
          "p",
          {},
          live.phase === "paused" ? el("button", { "data-action": "promote" }, "promote") : null,
          el("button", { "data-action": "promote-full" }, "promote now (skip steps)"),
          el("button", { "data-action": "abort" }, "abort"),
        )
      : null;
  for (const b of buttons ? buttons.querySelectorAll("button") : []) {
    const action = b.dataset.action;
    b.addEventListener("click", () =>
      change(stack, live.service, action === "abort" ? "abort" : "promote", action === "promote-full"),
    );
  }
  return el(
    "section",
    {
      class: "live",
      "data-live": live.service,
      "data-release-id": live.releaseId,
      "data-version": live.version,
      "data-phase": live.phase,
      "data-open": live.open,
      "data-weight": live.weight,
      "data-revert-seen": live.revertSeenAt,
    },
    el(
      "h3",
      {},
      `${live.service}: ${live.previousVersion} → ${live.version} (${live.strategy}) `,
      el("span", { class: `phase phase-${live.phase}` }, live.phase),
      ` at ${pct(live.weight)}`,
    ),
    live.reason ? el("p", { class: "error" }, live.reason) : null,
    buttons,
    el("div", { class: "cols" }, el("div", {}, el("h3", {}, "plan"), plan), chart),
    el("h3", {}, "events"),
    events,
  );
}

function historyTable(stack) {
  const s = stack.history.summary;
  const figures = s
    ? `${s.releases} releases in ${s.periodDays} days; success rate ${s.successRate === undefined ? "n/a" : `${Math.round(s.successRate * 100)}%`}; mean time to revert ${dur(s.meanTimeToRevertMs)}; ${s.releasesPerDay.toFixed(2)} releases/day`
    : "";
  const rows = stack.history.releases.map((r) =>
    el(
      "tr",
      { "data-history-row": r.id, "data-outcome": r.outcome },
      el("td", {}, time(r.startedAt)),
      el("td", {}, r.service || ""),
      el("td", {}, r.version),
      el(
        "td",
        { class: r.outcome === "promoted" ? "ok" : r.outcome === "unfinished" ? "" : "error" },
        r.outcome,
      ),
      el("td", {}, dur(r.durationMs)),
      el("td", {}, r.timeToRevertMs === undefined ? "–" : dur(r.timeToRevertMs)),
      el(
        "td",
        {},
        r.outcome === "unfinished"
          ? ""
          : el(
              "a",
              { href: `/api/stacks/${encodeURIComponent(stack.stack)}/reports/${encodeURIComponent(r.id)}` },
              "report",
            ),
      ),
    ),
  );
  const head = ["started", "service", "version", "outcome", "duration", "time to revert", ""];
  return [
    el("p", { class: "muted", "data-figures": "" }, figures),
    el(
      "table",
      {},
      el(
        "tr",
        {},
        head.map((h) => el("th", {}, h)),
      ),
      rows,
    ),
  ];
}

function draw(state) {
  document.getElementById("mode").textContent = state.readOnly
    ? "read-only"
    : "changes allowed (token needed)";
  const main = document.getElementById("stacks");
  main.replaceChildren(
    ...state.stacks.map((stack) =>
      el(
        "section",
        { "data-stack": stack.stack },
        el("h2", {}, `stack ${stack.stack}`),
        stack.error ? el("p", { class: "error" }, `${stack.error.kind}: ${stack.error.message}`) : null,
        servicesTable(stack),
        stack.live.map((l) => liveBox(stack.stack, l, state.readOnly)),
        el("h3", {}, "history"),
        historyTable(stack),
      ),
    ),
  );
}

const conn = document.getElementById("conn");
const source = new EventSource("/api/events");
source.addEventListener("state", (e) => {
  conn.dataset.live = "true";
  conn.textContent = `live, updated ${new Date().toLocaleTimeString()}`;
  draw(JSON.parse(e.data));
});
source.addEventListener("error", () => {
  conn.dataset.live = "false";
  conn.textContent = "reconnecting";
});
