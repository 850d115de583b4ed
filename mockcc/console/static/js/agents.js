// The agents tab: the account's agent users (admin, the seed's agent_users), who is ONLINE and listening
// for rings on a brand socket, which conversations each holds, and each one's open sockets.
import { $, get, h, short, throttled } from "./util.js";

export class Agents {
  constructor(ctx) {
    this.ctx = ctx;
    this.soon = throttled(() => this.reload().catch((e) => console.warn(e)), 1000);
  }

  async reload() {
    const account = this.ctx.state.account;
    if (!account) return;
    const answer = await get(`/_mockcc/accounts/${encodeURIComponent(account)}/agents`);
    this.render(answer.agents);
  }

  /** A change that may move an agent (a conversation, a socket request): reload at most once a second. */
  touch() {
    this.soon();
  }

  render(agents) {
    const rows = agents.map((a) => h("tr", { "data-agent": a.loginName },
      h("td", {}, h("b", { text: a.loginName }), a.isAdmin ? h("span", { class: "muted", text: " admin" }) : ""),
      h("td", {}, h("code", { text: a.userId })),
      h("td", { class: `state ${a.availability.toLowerCase()}`, text: a.availability }),
      h("td", { text: a.listening ? `listening on ${a.listening}` : "not listening" }),
      h("td", { text: `${a.conversations.length} / ${a.maxConversations}` },
        ...a.conversations.map((c) => h("code", { class: "conv", title: c, text: ` ${short(c)}` }))),
      h("td", {}, ...(a.sockets.length ? a.sockets.map((s) => h("div", { class: "socket" },
        h("code", { text: s.socketId }), ` v${s.version} · ${s.requests} requests · ${s.subscriptions} subscriptions`,
        s.topics.length ? ` · ${s.topics.join(", ")}` : "")) : [h("span", { class: "muted", text: "no socket" })]))));
    $("#agents tbody").replaceChildren(...rows);
    $("#agents-count").textContent = `${agents.length} agent user${agents.length === 1 ? "" : "s"}, ` +
      `${agents.reduce((n, a) => n + a.sockets.length, 0)} brand socket(s) open`;
  }
}
