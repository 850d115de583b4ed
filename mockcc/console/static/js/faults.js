// Fault switches (Send API and webhooks) and the clock.
import { $, explain, get, h, post, api, toast } from "./util.js";

export class Faults {
  constructor(ctx) {
    this.ctx = ctx;
    for (const button of document.querySelectorAll("[data-advance]")) {
      button.addEventListener("click", () => ctx.advance(Number(button.dataset.advance)));
    }
    $("#advance-go").addEventListener("click", () => {
      const seconds = Number($("#advance-seconds").value);
      if (Number.isFinite(seconds) && seconds > 0) ctx.advance(seconds);
    });
    $("#fault-add").addEventListener("click", () => this.addFault());
    $("#fault-clear").addEventListener("click", () => this.clear("/_mockcc/faults"));
    $("#wfault-add").addEventListener("click", () => this.addWebhookFault());
    $("#wfault-clear").addEventListener("click", () => this.clear("/_mockcc/webhooks/faults"));
  }

  async reload() {
    const [faults, webhookFaults] = await Promise.all([get("/_mockcc/faults"), get("/_mockcc/webhooks/faults")]);
    this.onFaults({ faults: faults.faults, webhook_faults: webhookFaults.faults });
  }

  onFaults({ faults, webhook_faults: webhookFaults }) {
    $("#fault-list").replaceChildren(...(faults.length ? faults.map((f) => h("li", {},
      h("b", { text: f.kind }), ` on ${f.scope}${f.account_id ? ` (account ${f.account_id})` : ""} · `,
      f.count === null ? `p=${f.probability} until cleared` : `${f.count} more call${f.count === 1 ? "" : "s"}`,
      f.kind === "delay" ? ` · ${f.delay_seconds}s` : "", ` · fired ${f.fired}`)) : [h("li", { class: "muted", text: "none armed" })]));
    $("#wfault-list").replaceChildren(...(webhookFaults.length ? webhookFaults.map((f) => h("li", {},
      h("b", { text: f.kind }), " → ", h("code", { text: f.endpoint }),
      ` · ${f.count === null || f.count === undefined ? "until cleared" : `${f.remaining ?? f.count} left`}`)) : [h("li", { class: "muted", text: "none armed" })]));
  }

  renderClock(now) {
    const c = this.ctx.state.clock;
    $("#clock-big").textContent = now.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
    $("#clock-info").textContent = `${c.frozen ? "frozen: moves only when advanced" : "follows the wall clock"} · moved ${c.offset}s ahead`;
  }

  async addFault() {
    const body = { kind: $("#fault-kind").value, scope: $("#fault-scope").value, count: Number($("#fault-count").value) || 1 };
    const delay = $("#fault-delay").value;
    if (delay !== "") body.delay_seconds = Number(delay);
    await this.send("/_mockcc/faults", body);
  }

  async addWebhookFault() {
    const body = { endpoint: $("#wfault-endpoint").value.trim(), kind: $("#wfault-kind").value, count: Number($("#wfault-count").value) || 1 };
    const delay = $("#wfault-delay").value;
    if (delay !== "") body.delay_seconds = Number(delay);
    await this.send("/_mockcc/webhooks/faults", body);
  }

  async send(path, body) {
    try {
      await post(path, body);
      toast(`${body.kind} armed`);
      await this.reload();
    } catch (error) {
      toast(explain(error).textContent, "bad");
    }
  }

  async clear(path) {
    try {
      await api("DELETE", path, {});  // a JSON body: the guard wants application/json on every change
      toast("faults cleared");
      await this.reload();
    } catch (error) {
      toast(explain(error).textContent, "bad");
    }
  }
}
