// The journal: every inbound call with the mock's verdict and explanation, live and filterable.
import { $, batched, fill, get, h, pretty, time } from "./util.js";

const KEEP = 1000; // calls kept in the page (the mock keeps 5000)

/** What a call that was not refused still says: its warnings, and what the mock accepted leniently. */
function notes(c) {
  const warned = c.warnings && c.warnings.length ? `⚠ ${c.warnings.join("; ")}` : "";
  const lenient = c.lenient && c.lenient.length ? `lenient: ${c.lenient.join("; ")}` : "";
  return [warned, lenient].filter(Boolean).join(" · ");
}

export class Journal {
  constructor(ctx) {
    this.ctx = ctx;
    this.calls = []; // oldest first
    this.selected = null;
    this.unseen = 0;
    this.redraw = batched(() => this.render());
    for (const id of ["#journal-service", "#journal-outcome"]) $(id).addEventListener("change", () => this.reload());
    $("#journal-text").addEventListener("input", () => this.redraw());
    document.querySelector('[data-tab="journal"]').addEventListener("click", () => { this.unseen = 0; this.badge(); });
  }

  filters() {
    return { service: $("#journal-service").value, outcome: $("#journal-outcome").value };
  }

  async reload() {
    const query = new URLSearchParams({ limit: String(KEEP) });
    for (const [k, v] of Object.entries(this.filters())) if (v) query.set(k, v);
    // calls pushed while the journal is fetched may be missing from its answer: kept, added after
    const pushed = [];
    this.pushed = pushed;
    let data;
    try {
      data = await get(`/_mockcc/journal?${query}`);
    } finally {
      if (this.pushed === pushed) this.pushed = null;
    }
    this.calls = data.calls;
    this.dropped = data.dropped;
    const have = new Set(this.calls.map((c) => c.id));
    for (const call of pushed) if (!have.has(call.id)) this.keep(call);
    this.render();
  }

  onCall(call) {
    const f = this.filters();
    if ((f.service && call.service !== f.service) || (f.outcome && call.outcome !== f.outcome)) return;
    if (this.pushed) { this.pushed.push(call); if (this.pushed.length > KEEP) this.pushed.shift(); }  // the newest matter
    this.keep(call);
    if (call.outcome !== "ok" && !$("#tab-journal").classList.contains("active")) { this.unseen += 1; this.badge(); }
    this.redraw();
  }

  keep(call) {
    this.calls.push(call);
    if (this.calls.length > KEEP) this.calls.splice(0, this.calls.length - KEEP);
  }

  badge() {
    const el = $("#invalid-badge");
    el.hidden = this.unseen === 0;
    el.textContent = String(this.unseen);
  }

  render() {
    const needle = $("#journal-text").value.trim().toLowerCase();
    const shown = needle ? this.calls.filter((c) => `${c.method} ${c.path} ${c.request_body} ${c.explanation ? c.explanation.explanation : ""}`.toLowerCase().includes(needle)) : this.calls;
    $("#journal-count").textContent = `${shown.length} call${shown.length === 1 ? "" : "s"}${this.dropped ? ` · ${this.dropped} older dropped by the mock` : ""}`;
    const rows = [];
    for (let i = shown.length - 1; i >= 0; i -= 1) {
      const c = shown[i];
      rows.push(h("tr", { class: `v-${c.outcome}${this.selected === c.id ? " selected" : ""}`, dataset: { id: c.id }, onclick: () => { this.selected = c.id; this.render(); } },
        h("td", { text: c.id }),
        h("td", { text: time(c.at * 1000) }),
        h("td", { text: c.service }),
        h("td", { class: "call", title: `${c.method} ${c.path}` }, h("b", { text: c.method }), " ", h("span", { class: "path", text: c.path })),
        h("td", { text: c.status || "—" }), // 0: no answer (the disconnect fault closed the connection)
        h("td", {}, h("span", { class: `verdict v-${c.outcome}`, text: c.outcome })),
        h("td", { class: "explanation", title: c.explanation ? c.explanation.explanation : null, text: c.explanation ? c.explanation.explanation : notes(c) })));
    }
    $("#journal tbody").replaceChildren(...rows);
    this.renderDetail();
  }

  renderDetail() {
    const c = this.calls.find((x) => x.id === this.selected);
    const pane = $("#journal-detail");
    if (!c) return;
    const m = c.explanation;
    fill(pane,
      h("h3", {}, `${c.method} ${c.path} `, h("span", { class: `verdict v-${c.outcome}`, text: c.outcome })),
      h("dl", { class: "kv" },
        h("dt", { text: "at" }), h("dd", { text: `${new Date(c.at * 1000).toISOString()} (mock clock)` }),
        h("dt", { text: "query" }), h("dd", {}, h("code", { text: c.query || "—" })),
        h("dt", { text: "answer" }), h("dd", { text: c.status ? `${c.status} in ${c.latency_ms} ms` : "no HTTP answer: the connection was closed" }),
        c.fault ? [h("dt", { text: "fault" }), h("dd", { text: c.fault })] : null,
        m ? [h("dt", { text: "explanation" }), h("dd", { class: "explanation", text: m.explanation })] : null,
        m && m.path ? [h("dt", { text: "path" }), h("dd", {}, h("code", { text: m.path }))] : null,
        m && m.rule ? [h("dt", { text: "rule" }), h("dd", {}, h("code", { text: m.rule }))] : null,
        m && m.expected !== undefined ? [h("dt", { text: "expected" }), h("dd", {}, h("code", { text: JSON.stringify(m.expected) }))] : null,
        c.warnings && c.warnings.length ? [h("dt", { text: "warnings" }), h("dd", { text: c.warnings.join("; ") })] : null,
        c.lenient && c.lenient.length ? [h("dt", { text: "lenient" }), h("dd", { text: c.lenient.join("; ") })] : null),
      h("h4", { text: "Request headers (secrets redacted)" }),
      h("pre", { text: Object.entries(c.request_headers).map(([k, v]) => `${k}: ${v}`).join("\n") }),
      h("h4", { text: "Request body" }), h("pre", { class: "body", text: c.request_body ? pretty(c.request_body) : "—" }),
      h("h4", { text: "Response body" }), h("pre", { class: "body", text: c.response_body ? pretty(c.response_body) : "—" }));
  }
}
