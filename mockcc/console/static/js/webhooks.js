// Webhooks: every delivery attempt, live; the installations' retry state; replay by hand.
import { $, batched, explain, fill, get, h, post, pretty, short, time, toast } from "./util.js";

const KEEP = 500; // delivery rows kept in the page (the mock's log keeps more)
const FAILED = new Set(["failed", "dropped"]);

const eventName = (key) => (key || "").replace("ms.MessagingEventNotification.", "").replace("cqm.ExConversationChangeNotification", "ConversationChange");

export class Webhooks {
  constructor(ctx) {
    this.ctx = ctx;
    this.entries = []; // oldest first
    this.selected = null;
    this.failedUnseen = 0;
    this.redraw = batched(() => this.render());
    this.reloadStatus = debounce(() => this.loadStatus(), 250);
    document.querySelector('[data-tab="webhooks"]').addEventListener("click", () => { this.failedUnseen = 0; this.badge(); });
  }

  async reload() {
    // deliveries pushed while the log is fetched may be missing from its answer: kept, applied after
    const pushed = [];
    this.pushed = pushed;
    let log;
    try {
      [log] = await Promise.all([get(`/_mockcc/webhooks/deliveries?limit=${KEEP}`), this.loadStatus()]);
    } finally {
      if (this.pushed === pushed) this.pushed = null;
    }
    this.entries = log.deliveries;
    for (const entry of pushed) this.keep(entry);
    this.render();
  }

  /** Add a log entry, or replace the one with its id; the newest ``KEEP`` stay. */
  keep(entry) {
    const i = this.entries.findIndex((e) => e.id === entry.id);
    if (i >= 0) this.entries[i] = entry; else this.entries.push(entry);
    if (this.entries.length > KEEP) this.entries.splice(0, this.entries.length - KEEP);
  }

  async loadStatus() {
    this.status = await get("/_mockcc/webhooks/status");
    this.renderStatus();
  }

  onDelivery(entry) {
    if (this.pushed) { this.pushed.push(entry); if (this.pushed.length > KEEP) this.pushed.shift(); }  // the newest matter
    this.keep(entry);
    if (FAILED.has(entry.outcome) && !$("#tab-webhooks").classList.contains("active")) { this.failedUnseen += 1; this.badge(); }
    this.reloadStatus();
    this.redraw();
  }

  badge() {
    const el = $("#failed-badge");
    el.hidden = this.failedUnseen === 0;
    el.textContent = String(this.failedUnseen);
  }

  renderStatus() {
    const s = this.status;
    if (!s) return;
    const rows = s.installations.map((i) => h("div", { class: `inst state-${(i.state || i.mode).toLowerCase()}` },
      h("div", { class: "inst-name" }, h("code", { text: short(i.client_id, 13) }), h("span", { class: "muted", text: ` account ${i.account_id}` })),
      h("div", { class: "inst-state", text: i.state || "max_retries" }),
      h("div", { class: "muted" },
        i.mode === "retention" ? `retention ${i.retention_time}s · ${i.stored} stored` : `max_retries mode · ${i.stored} waiting retry`,
        i.next_retry_at ? ` · next retry ${time(i.next_retry_at * 1000)}` : "",
        i.enabled ? "" : " · disabled")));
    const t = s.totals;
    $("#installations").replaceChildren(...rows,
      h("div", { class: "inst totals" },
        h("div", { class: "inst-name", text: "all installations" }),
        h("div", { class: "muted", text: `${t.published} published · ${t.in_flight} in flight · log ${s.log.entries}/${s.log.limit}${s.log.evicted ? ` (${s.log.evicted} evicted)` : ""}` }),
        h("div", { class: "muted", text: Object.entries(t.outcomes).map(([k, v]) => `${k} ${v}`).join(" · ") })));
  }

  render() {
    const rows = [];
    for (let i = this.entries.length - 1; i >= 0; i -= 1) {
      const e = this.entries[i];
      rows.push(h("tr", {
        class: `o-${e.outcome.replace(":", "-")}${this.selected === e.id ? " selected" : ""}`,
        dataset: { id: e.id },
        onclick: () => { this.selected = e.id; this.renderDetail(); this.render(); },
      },
      h("td", { text: e.id }),
      h("td", { text: time(e.at * 1000) }),
      h("td", { title: e.event_key, text: eventName(e.event_key) + (e.sequence !== null && e.sequence !== undefined ? ` #${e.sequence}` : "") }),
      h("td", {}, h("code", { title: e.conversation_id, text: short(e.conversation_id) })),
      h("td", { text: e.attempt || "" }),
      h("td", { text: e.status ?? (e.error ? "—" : "") }),
      h("td", { text: e.latency_ms ?? "" }),
      h("td", { title: "retries left (max_retries mode)", text: e.retries_left ?? "" }),
      h("td", {}, h("span", { class: "outcome", title: e.error || e.reason || "", text: e.outcome }), e.reason ? h("small", { class: "muted", text: ` ${e.reason}` }) : null),
      h("td", {}, typeof e.body === "string" ? h("button", { class: "small", onclick: (ev) => { ev.stopPropagation(); this.replay(e.id); }, text: "replay" }) : null)));
    }
    $("#deliveries tbody").replaceChildren(...rows);
    if (this.selected !== null) this.renderDetail();
  }

  renderDetail() {
    const e = this.entries.find((x) => x.id === this.selected);
    const pane = $("#delivery-detail");
    if (!e) { pane.replaceChildren(h("div", { class: "empty", text: "no longer in the log" })); return; }
    const headers = e.headers || {};
    const signature = Object.entries(headers).find(([k]) => k.toLowerCase() === "x-liveperson-signature");
    fill(pane,
      h("h3", {}, `Delivery ${e.id} `, h("span", { class: `pill o-${e.outcome.replace(":", "-")}`, text: e.outcome })),
      h("dl", { class: "kv" },
        h("dt", { text: "event" }), h("dd", { text: e.event_key }),
        h("dt", { text: "to" }), h("dd", {}, h("code", { text: e.url || "(no endpoint)" })),
        h("dt", { text: "attempt" }), h("dd", { text: `${e.attempt}${e.retries_left !== null && e.retries_left !== undefined ? ` · ${e.retries_left} retries left` : ""}` }),
        h("dt", { text: "answer" }), h("dd", { text: `${e.status ?? "no HTTP answer"}${e.latency_ms !== null ? ` in ${e.latency_ms} ms` : ""}${e.error ? ` · ${e.error}` : ""}` }),
        e.reason ? [h("dt", { text: "reason" }), h("dd", { text: e.reason })] : null,
        e.fault ? [h("dt", { text: "fault" }), h("dd", { text: e.fault })] : null,
        h("dt", { text: "signature" }), h("dd", {}, h("code", { class: "sig", text: signature ? signature[1] : "—" }))),
      typeof e.body === "string" ? h("button", { id: "replay-detail", class: "primary", onclick: () => this.replay(e.id), text: "Replay this delivery" }) : null,
      h("div", { id: "replay-result" }),
      h("h4", { text: "Headers" }),
      h("pre", { text: Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\n") || "—" }),
      h("h4", { text: `Body${e.body_truncated ? " (cut; the whole body is in GET /_mockcc/webhooks/deliveries)" : ""}` }),
      h("pre", { class: "body", text: e.body ? pretty(e.body) : "—" }));
  }

  async replay(id) {
    try {
      const { delivery } = await post(`/_mockcc/webhooks/deliveries/${id}/replay`, {});
      toast(`replayed ${id}: ${delivery.outcome}${delivery.status ? ` (${delivery.status})` : ""}`, delivery.outcome === "delivered" ? "ok" : "bad");
      this.onDelivery(delivery);
      this.selected = delivery.id;
      this.render();
    } catch (error) {
      const box = $("#replay-result");
      if (box) box.replaceChildren(explain(error)); else toast(explain(error).textContent, "bad");
    }
  }
}

function debounce(fn, ms) {
  let timer = 0;
  return () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
}
